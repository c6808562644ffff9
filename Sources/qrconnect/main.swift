import Logging
import QRConnect
import Vapor

// Logs go to standard error so that commands such as `mint-qr` print only their output on stdout.
var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env) { level in
    { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

let app = try await Application.make(env)
do {
    try await configure(app, with: AppConfig.fromEnvironment())
    try await app.execute()
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
