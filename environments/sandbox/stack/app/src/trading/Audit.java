package trading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.logging.Logger;

/** Appends JSON lines to audit.log. Never receives passwords or TOTP codes. */
public final class Audit {
    private static final Logger LOG = Logger.getLogger(Audit.class.getName());
    private static final Object LOCK = new Object();

    private Audit() {
    }

    public static void login(Config cfg, String user, String result, String reason, String remote, String forwardedFor) {
        if (!cfg.auditEnabled && !"success".equals(result)) return; // fault knob: failures go unrecorded
        Json.Obj o = Json.obj()
                .put("ts", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
                .put("event", "login")
                .put("user", user)
                .put("result", result)
                .put("reason", reason)
                .put("remote", remote)
                .put("node", cfg.node);
        if (forwardedFor != null && !forwardedFor.isBlank()) {
            o.put("forwarded_for", forwardedFor.length() > 200 ? forwardedFor.substring(0, 200) : forwardedFor);
        }
        write(cfg, o.toString());
    }

    static void write(Config cfg, String line) {
        if (cfg.auditLog == null) {
            LOG.warning("audit.log not configured; audit event dropped");
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (LOCK) {
            try {
                Files.write(Paths.get(cfg.auditLog), bytes, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            } catch (IOException | RuntimeException e) {
                LOG.warning("cannot write audit log " + cfg.auditLog + ": " + e.getClass().getSimpleName());
            }
        }
    }
}
