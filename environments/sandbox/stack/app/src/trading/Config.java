package trading;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Immutable snapshot of application.properties. {@link #get()} re-reads the file
 * when its mtime/size change, checked at most once per second.
 */
public final class Config {
    private static final Logger LOG = Logger.getLogger(Config.class.getName());
    private static final Object LOCK = new Object();
    private static final byte[] RANDOM_SECRET = new byte[32];
    static {
        new SecureRandom().nextBytes(RANDOM_SECRET);
    }

    private static volatile Config current = new Config(new Properties());
    private static volatile long lastCheckNanos;
    private static volatile boolean checkedOnce;
    private static String lastStamp = "";

    public final String dbUrl;
    public final String dbUser;
    public final String dbPassword;
    public final String node;
    public final boolean mfaRequired;
    public final byte[] sessionSecret;
    public final boolean sessionSecretConfigured;
    public final int sessionTtlSeconds;
    public final int loginMaxFailures;
    public final int loginLockoutSeconds;
    public final String auditLog;
    public final boolean auditEnabled;
    public final int ordersExtraLatencyMs;
    public final double ordersErrorRate;

    private Config(Properties p) {
        dbUrl = str(p, "db.url", null);
        dbUser = str(p, "db.user", null);
        dbPassword = p.getProperty("db.password") == null ? null : p.getProperty("db.password").strip();
        node = str(p, "node.name", "node");
        mfaRequired = bool(p, "mfa.required", true);
        String secret = p.getProperty("session.secret");
        sessionSecretConfigured = secret != null && !secret.strip().isEmpty();
        sessionSecret = sessionSecretConfigured ? secret.strip().getBytes(StandardCharsets.UTF_8) : RANDOM_SECRET;
        sessionTtlSeconds = integer(p, "session.ttl.seconds", 900, 1, 86400 * 7);
        loginMaxFailures = integer(p, "login.max.failures", 5, 1, 1000);
        loginLockoutSeconds = integer(p, "login.lockout.seconds", 60, 1, 86400 * 7);
        auditLog = str(p, "audit.log", null);
        auditEnabled = bool(p, "audit.enabled", true);
        ordersExtraLatencyMs = integer(p, "orders.extra.latency.ms", 0, 0, 60000);
        double rate;
        try {
            rate = Double.parseDouble(str(p, "orders.error.rate", "0"));
        } catch (NumberFormatException e) {
            rate = 0;
        }
        if (!(rate >= 0)) rate = 0; // also catches NaN
        ordersErrorRate = Math.min(rate, 1.0);
    }

    private static String str(Properties p, String key, String def) {
        String v = p.getProperty(key);
        if (v == null) return def;
        v = v.strip();
        return v.isEmpty() ? def : v;
    }

    private static boolean bool(Properties p, String key, boolean def) {
        String v = str(p, key, null);
        if (v == null) return def;
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equals("1") || v.equalsIgnoreCase("on")) return true;
        if (v.equalsIgnoreCase("false") || v.equalsIgnoreCase("no") || v.equals("0") || v.equalsIgnoreCase("off")) return false;
        return def;
    }

    private static int integer(Properties p, String key, int def, int min, int max) {
        String v = str(p, key, null);
        if (v == null) return def;
        try {
            long n = Long.parseLong(v);
            return (int) Math.max(min, Math.min(max, n));
        } catch (NumberFormatException e) {
            return def;
        }
    }

    public static Path path() {
        String f = System.getProperty("trading.config");
        if (f == null || f.isBlank()) f = System.getenv("TRADING_CONFIG");
        return (f == null || f.isBlank()) ? null : Paths.get(f.strip());
    }

    public static Config get() {
        long now = System.nanoTime();
        if (!checkedOnce || now - lastCheckNanos >= 1_000_000_000L) {
            synchronized (LOCK) {
                now = System.nanoTime();
                if (!checkedOnce || now - lastCheckNanos >= 1_000_000_000L) {
                    reloadIfChanged();
                    lastCheckNanos = System.nanoTime();
                    checkedOnce = true;
                }
            }
        }
        return current;
    }

    /** Caller holds LOCK. */
    private static void reloadIfChanged() {
        Path f = path();
        if (f == null) {
            if (!lastStamp.equals("none")) {
                LOG.warning("trading.config system property not set; using defaults");
                lastStamp = "none";
            }
            return;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            String stamp = f + "|" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "|" + a.size() + "|" + a.fileKey();
            if (stamp.equals(lastStamp)) return;
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            current = new Config(p);
            lastStamp = stamp;
            LOG.info("loaded configuration from " + f);
        } catch (IOException | IllegalArgumentException e) {
            String stamp = "error:" + f;
            if (!stamp.equals(lastStamp)) {
                LOG.log(Level.WARNING, "cannot read configuration " + f + " (" + e.getClass().getSimpleName() + "); keeping previous settings");
                lastStamp = stamp;
            }
        }
    }
}
