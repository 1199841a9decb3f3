package trading;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version data stamped into WEB-INF/classes/build.properties by build.sh. */
public final class BuildInfo {
    public static final String VERSION;
    public static final String BUILD;
    public static final int REQUIRED_SCHEMA;

    static {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // fall through to defaults
        }
        VERSION = p.getProperty("version", "unknown").strip();
        BUILD = p.getProperty("build", "unknown").strip();
        int s;
        try {
            s = Integer.parseInt(p.getProperty("schema.required", "2").strip());
        } catch (NumberFormatException e) {
            s = 2;
        }
        REQUIRED_SCHEMA = s;
    }

    private BuildInfo() {
    }
}
