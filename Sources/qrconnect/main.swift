import Logging
import NIOCore
import NIOPosix
import QRConnect
import Vapor

// Swift concurrency's jobs run on NIO's event loops instead of a pool of threads of their own: a
// request's handler then runs on the threads that read and write its connection, without handing
// work between two pools (the kernel's thread switches were the largest cost left in profiles of
// every endpoint). First thing in the process, before any task exists. Nothing here blocks
// a thread: SQLite's direct reads take microseconds, and password hashing and the driver's own
// statements run on NIO's blocking-work thread pool.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

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
