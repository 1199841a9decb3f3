package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/** GET /version */
public final class VersionServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected Set<String> methods() {
        return Set.of("GET");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        json(resp, 200, Json.obj().put("version", BuildInfo.VERSION).put("build", BuildInfo.BUILD)
                .put("node", Config.get().node).toString());
    }
}
