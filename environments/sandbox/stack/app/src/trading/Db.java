package trading;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A tiny connection pool: at most MAX_OPEN open and MAX_IDLE idle connections, dropped when the
 * configured URL/credentials change, validated after being idle a while, and
 * closed (never reused) after any failure while in use.
 */
public final class Db {
    private static final int MAX_IDLE = 16;
    private static final int MAX_OPEN = 40;
    private static final Semaphore OPEN = new Semaphore(MAX_OPEN);
    private static final long VALIDATE_AFTER_NANOS = 5_000_000_000L;
    private static volatile Driver driver;
    private static final ArrayDeque<Idle> IDLE = new ArrayDeque<>();

    private Db() {
    }

    /** Unit of database work. */
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private record Key(String url, String user, String password) {
    }

    private record Idle(Connection c, Key key, long since) {
    }

    /** A borrowed connection. */
    public static final class Lease {
        public final Connection c;
        /** True if the connection came from the idle pool (it may be stale). */
        public final boolean pooled;
        private final Key key;

        private Lease(Connection c, Key key, boolean pooled) {
            this.c = c;
            this.key = key;
            this.pooled = pooled;
        }
    }

    static Driver driver() throws SQLException {
        Driver d = driver;
        if (d == null) {
            try {
                d = (Driver) Class.forName("org.postgresql.Driver").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new SQLException("PostgreSQL JDBC driver not available", "08001");
            }
            driver = d;
        }
        return d;
    }

    private static Key key(Config cfg) {
        return new Key(cfg.dbUrl, cfg.dbUser, cfg.dbPassword);
    }

    public static Lease borrow(boolean fresh) throws SQLException {
        Config cfg = Config.get();
        if (cfg.dbUrl == null) throw new SQLException("database not configured", "08001");
        Key k = key(cfg);
        if (!fresh) {
            while (true) {
                Idle idle;
                synchronized (IDLE) {
                    idle = IDLE.pollFirst();
                }
                if (idle == null) break;
                if (!idle.key.equals(k)) {
                    closeQuietly(idle.c);
                    continue;
                }
                if (System.nanoTime() - idle.since > VALIDATE_AFTER_NANOS) {
                    boolean valid;
                    try {
                        valid = idle.c.isValid(2);
                    } catch (SQLException e) {
                        valid = false;
                    }
                    if (!valid) {
                        closeQuietly(idle.c);
                        continue;
                    }
                }
                return new Lease(idle.c, k, true);
            }
        }
        Properties p = new Properties();
        if (cfg.dbUser != null) p.setProperty("user", cfg.dbUser);
        if (cfg.dbPassword != null) p.setProperty("password", cfg.dbPassword);
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "5");
        p.setProperty("socketTimeout", "15");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "trading-" + cfg.node);
        Driver d = driver();
        try {
            if (!OPEN.tryAcquire(5, TimeUnit.SECONDS)) throw new SQLException("connection pool exhausted", "08004");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", "08004");
        }
        Connection c = null;
        try {
            c = d.connect(cfg.dbUrl, p);
            if (c == null) throw new SQLException("unsupported JDBC URL", "08001");
            return new Lease(c, k, false);
        } finally {
            if (c == null) OPEN.release();
        }
    }

    public static void release(Lease l, boolean healthy) {
        if (l == null) return;
        boolean keep = healthy;
        if (keep) {
            try {
                keep = l.c.getAutoCommit() && !l.c.isClosed();
            } catch (SQLException e) {
                keep = false;
            }
        }
        if (keep && Objects.equals(l.key, key(Config.get()))) {
            synchronized (IDLE) {
                if (IDLE.size() < MAX_IDLE) {
                    IDLE.addFirst(new Idle(l.c, l.key, System.nanoTime()));
                    return;
                }
            }
        }
        closeQuietly(l.c);
    }

    /** Runs work on a pooled connection; the connection is discarded if the work throws. */
    public static <T> T with(Work<T> w) throws SQLException {
        Lease l = borrow(false);
        boolean ok = false;
        try {
            T r = w.run(l.c);
            ok = true;
            return r;
        } finally {
            release(l, ok);
        }
    }

    public static void closeAll() {
        synchronized (IDLE) {
            for (Idle i : IDLE) closeQuietly(i.c);
            IDLE.clear();
        }
    }

    /** Closes a connection opened by {@link #borrow} and returns its slot. */
    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // ignore
        } finally {
            OPEN.release();
        }
    }

    /** True if the SQL state denotes a connection/authentication problem rather than a query problem. */
    public static boolean isConnectionProblem(SQLException e) {
        String st = e.getSQLState();
        return st == null || st.startsWith("08") || st.startsWith("28") || st.startsWith("3D") || st.startsWith("57P");
    }
}
