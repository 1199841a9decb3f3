package trading;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Enumeration;

/** Loads configuration and the JDBC driver at startup; releases them at shutdown. */
public final class AppListener implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent sce) {
        Config cfg = Config.get();
        try {
            Db.driver();
        } catch (SQLException e) {
            sce.getServletContext().log("JDBC driver unavailable");
        }
        sce.getServletContext().log("trading " + BuildInfo.VERSION + " (build " + BuildInfo.BUILD + ", schema "
                + BuildInfo.REQUIRED_SCHEMA + ") starting on node " + cfg.node
                + (cfg.sessionSecretConfigured ? "" : "; WARNING session.secret not set, tokens are node-local"));
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        Db.closeAll();
        ClassLoader cl = getClass().getClassLoader();
        Enumeration<Driver> drivers = DriverManager.getDrivers();
        while (drivers.hasMoreElements()) {
            Driver d = drivers.nextElement();
            if (d.getClass().getClassLoader() == cl) {
                try {
                    DriverManager.deregisterDriver(d);
                } catch (SQLException e) {
                    // ignore
                }
            }
        }
    }
}
