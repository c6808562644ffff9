import Fluent
import Vapor

/// `qrconnect create-user --username alice [--display-name "Alice"]`: creates an account from the
/// command line. The password is read from standard input (one line), never from the arguments,
/// where it would show in the process list and shell history.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "3 to 32 of letters, digits, _ . -")
        var username: String?
        @Option(name: "display-name", help: "The name guests see (default: the username).")
        var displayName: String?
    }

    var help: String { "Creates an account; reads its password from standard input." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let username = signature.username, AccountRules.isValidUsername(username) else {
            throw ConfigError(message: "--username must be 3 to 32 of letters, digits, _ . -")
        }
        // From a pipe, one line; at a terminal, a prompt that does not echo.
        let password = isatty(STDIN_FILENO) == 0 ? (readLine(strippingNewline: true) ?? "") : context.console.input(isSecure: true)
        guard password.count >= AccountRules.minPasswordCharacters, password.utf8.count <= AccountRules.maxPasswordBytes else {
            throw ConfigError(message: "the password must be 8 characters to 72 bytes long")
        }
        let displayName = signature.displayName?.trimmed
        let app = context.application
        let hash = try await app.password.async(on: app.passwordThreads, hopTo: app.eventLoopGroup.next()).hash(password)
        let user = User(username: username, passwordHash: hash, displayName: displayName?.isEmpty == false ? displayName! : username)
        do {
            try await app.writer.transaction(on: app.db) { db in try await user.create(on: db) }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw ConfigError(message: "the username \(username) is taken")
        }
        context.console.print("created user \(user.id!) (\(username))")
    }
}
