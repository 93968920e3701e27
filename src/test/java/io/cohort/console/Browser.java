package io.cohort.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from Debian's {@code chromium} package, driven through Debian's
 * {@code chromedriver} by Selenium, with a fresh profile. The background-networking flags are
 * not optional: without them Chromium waits for services it cannot reach on a closed network.
 * Missing packages fail the test (they are installed by .ci/run), they never skip it.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(30); // the machines are shared: slow, not broken

    final ChromeDriver driver;
    private final Path profile;
    private final Path screenshots;

    private Browser(ChromeDriver driver, Path profile, Path screenshots) {
        this.driver = driver;
        this.profile = profile;
        this.screenshots = screenshots;
    }

    static Browser start(Path screenshots) throws IOException {
        for (Path p : List.of(CHROMIUM, DRIVER)) {
            if (!Files.isExecutable(p)) {
                throw new AssertionError("The console's browser tests need " + p + ", which is missing. Install Debian's "
                        + "packages: `apt-get install -y chromium chromium-driver` (.ci/run does this when they are missing).");
            }
        }
        Path profile = Files.createTempDirectory("cohort-chromium-");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,900", "--lang=en-US",
                "--force-device-scale-factor=1", "--hide-scrollbars");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(WAIT);
        Files.createDirectories(screenshots);
        return new Browser(driver, profile, screenshots);
    }

    <T> T until(String what, Function<WebDriver, T> condition) {
        // Views re-render as their data arrives: an element found a moment ago may be replaced.
        return new WebDriverWait(driver, WAIT).pollingEvery(Duration.ofMillis(100)).withMessage(what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition);
    }

    /** The first element matching, once it is there and shows {@code text} (null: any). */
    WebElement waitFor(By by, String text) {
        return until("waiting for " + by + (text == null ? "" : " showing '" + text + "'"), d -> {
            for (WebElement e : d.findElements(by)) {
                if (text == null || e.getText().contains(text)) return e;
            }
            return null;
        });
    }

    WebElement waitFor(By by) { return waitFor(by, null); }

    /** Clicks the element, finding it again should a refresh have replaced it meanwhile. */
    void click(By by) {
        until("clicking " + by, d -> {
            d.findElement(by).click();
            return true;
        });
    }

    Object js(String script, Object... args) { return ((JavascriptExecutor) driver).executeScript(script, args); }

    /** Moves to a console route (the part after #/) without reloading the page. */
    void route(String path) {
        js("window.location.hash = arguments[0];", "#/" + path);
    }

    String focusedText() { return (String) js("return document.activeElement ? (document.activeElement.innerText || document.activeElement.id || document.activeElement.tagName) : ''"); }

    /** Phone: Chrome's device emulation (viewport meta tag honoured, touch, 375 CSS px wide). */
    void phone() {
        phone = true;
        viewport(375, 812);
    }

    void desktop() {
        phone = false;
        driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }

    private boolean phone;

    private void viewport(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", phone));
    }

    /** True while the page is not wider than the viewport (nothing to scroll sideways). */
    boolean fitsWidth() {
        return (Boolean) js("return document.documentElement.scrollWidth <= window.innerWidth;");
    }

    /** Elements sticking out of the viewport on the right (for a failure message). */
    Object overflowing() {
        return js("""
                const w = window.innerWidth; const out = [];
                for (const e of document.querySelectorAll('body *')) {
                  const r = e.getBoundingClientRect();
                  if (r.right > w + 1 && r.width > 0) out.push(e.tagName + '.' + e.className + ' right=' + Math.round(r.right));
                  if (out.length > 8) break;
                }
                return out;""");
    }

    /**
     * A PNG of the whole page as {@code <name>.png}: the viewport is made as tall as the page for
     * the shot (Chrome paints scrolling boxes only near the viewport), then put back.
     */
    Path screenshot(String name) {
        js("window.scrollTo(0, 0)");
        long width = ((Number) js("return window.innerWidth")).longValue();
        long height = Math.min(8000, ((Number) js("return document.documentElement.scrollHeight")).longValue());
        viewport((int) width, (int) height);
        try {
            js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");
            @SuppressWarnings("unchecked")
            Map<String, Object> shot = (Map<String, Object>) driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png"));
            Path file = screenshots.resolve(name + ".png");
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (phone) phone();
            else desktop();
        }
    }

    /** The browser console's messages since the last call. */
    List<LogEntry> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
