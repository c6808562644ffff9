import NIOPosix
import Vapor

/// The threads that hash and check passwords, and only that.
///
/// Vapor hashes on the application's blocking thread pool, the one the SQLite driver runs its
/// statements on, the group commit's `COMMIT` included. A bcrypt check at cost 12 is about a
/// third of a second of CPU here (logins peak at about 6 a second on 2 cores), so a burst of
/// logins queued every message's commit behind the hashes: while 32 clients logged in, guest
/// sends fell from 1 905 to 2.0 a second, p50 2.0 s and p99 4.0 s (`bench/login_burst/run`). On
/// threads of their own, hashes wait only for other hashes. One thread per core, as bcrypt is
/// all CPU.
extension Application {
    private struct PasswordThreadsKey: StorageKey { typealias Value = NIOThreadPool }

    var passwordThreads: NIOThreadPool {
        get { storage.required(PasswordThreadsKey.self) }
        set { storage[PasswordThreadsKey.self] = newValue }
    }

    /// Starts the threads; they stop with the application (`PasswordThreadsLifecycle`).
    func startPasswordThreads() {
        let threads = NIOThreadPool(numberOfThreads: System.coreCount)
        threads.start()
        passwordThreads = threads
        lifecycle.use(PasswordThreadsLifecycle())
    }
}

extension Request {
    /// The configured hasher (bcrypt) on the password threads, answering on this request's loop.
    var passwordHasher: AsyncPasswordHasher {
        application.password.async(on: application.passwordThreads, hopTo: eventLoop)
    }
}

struct PasswordThreadsLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        try? await application.passwordThreads.shutdownGracefully()
    }
}
