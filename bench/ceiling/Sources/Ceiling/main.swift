// `ceiling serve --hostname 127.0.0.1 --port N`: GET /ceiling answers {"status":"ok"}.
// The body goes through Content encoding like a real handler's, so the figure is Vapor's
// routing + HTTP + JSON, with no database and no application code.
import Vapor

struct Status: Content {
    let status: String
}

var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env)   // honours LOG_LEVEL / --log, as qrconnect does
let app = try await Application.make(env)
app.get("ceiling") { _ in Status(status: "ok") }
do {
    try await app.execute()
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    throw error
}
try await app.asyncShutdown()
