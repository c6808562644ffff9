import Fluent
import Vapor

/// Signs the request in from `Authorization: Token <key>` or `Authorization: Bearer <key>`.
///
/// No header: the request goes on anonymously (guests are anonymous). A header that does not
/// name a live key is a `401`, never an anonymous request: a client whose key was revoked must
/// learn it rather than silently act as a guest.
///
/// On the routes marked `signsInWithinItsStatement()` the key is not looked up here: its hash is
/// left to the handler, whose own statement finds the user (see `SignInWithinStatement.swift`).
/// A malformed header is refused here all the same. (A route middleware, not an application-wide
/// one, so that it sees which route the request is for.)
///
/// A plain (future-based) middleware: on SQLite the lookup is read right away (`FastQuery`'s
/// direct path), so the request needs no task of its own here. On PostgreSQL it waits in one,
/// for its lookup in the next batch of sign-ins (`PostgresSignIns`).
struct UserAuthenticator: Middleware {
    /// PostgreSQL's batches of sign-ins; nil on SQLite.
    let postgresSignIns: PostgresSignIns?

    init(_ app: Application) {
        postgresSignIns = app.config.database.isSQLite ? nil : PostgresSignIns { [unowned app] in app.currentLoopDatabase }
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let header = request.headers.first(name: .authorization) else {
            return next.respond(to: request)
        }
        do {
            let keyHash = SecretToken.hash(try Self.key(from: header))
            if request.route?.signsInItself == true {
                request.presentedKeyHash = keyHash
                return next.respond(to: request)
            }
            if let postgresSignIns {
                return request.eventLoop.makeFutureWithTask {
                    try await postgresSignIns.user(keyHash: keyHash)
                }.flatMap { found in
                    Self.signIn(request, found, next)
                }
            }
            let query = Self.lookUp(keyHash: keyHash)
            if let rows = try query.allRightAway(on: request.database, Self.signedIn) {
                return Self.signIn(request, rows.first, next)
            }
            return request.eventLoop.makeFutureWithTask {
                try await query.all(on: request.database, Self.signedIn)
            }.flatMap { rows in
                Self.signIn(request, rows.first, next)
            }
        } catch {
            return request.eventLoop.makeFailedFuture(error)
        }
    }

    /// The user a key signs in, by the key's hash; nil for a key that names no one.
    static func user(keyHash: String, on db: any Database) async throws -> (tokenID: Int, user: SignedInUser)? {
        try await lookUp(keyHash: keyHash).first(on: db, signedIn)
    }

    private static func signIn(
        _ request: Request, _ found: (tokenID: Int, user: SignedInUser)?, _ next: any Responder
    ) -> EventLoopFuture<Response> {
        guard let (tokenID, user) = found else { return request.eventLoop.makeFailedFuture(APIError.invalidToken) }
        request.auth.login(user)
        request.accessTokenID = tokenID
        return next.respond(to: request)
    }

    private static func key(from header: String) throws -> String {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, ["token", "bearer"].contains(parts[0].lowercased()) else {
            throw APIError.invalidToken
        }
        let key = String(parts[1]).trimmed
        guard SecretToken.isPlausible(key) else { throw APIError.invalidToken }
        return key
    }

    /// One indexed lookup: the key's hash joined to its user. Every request that signs in runs
    /// it, so it is a `FastQuery` read into a `SignedInUser` by hand rather than two hydrated models.
    private static func lookUp(keyHash: String) -> FastQuery {
        FastQuery("""
            SELECT \(signedInColumns)
            FROM access_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ?
            """, [.text(keyHash)])
    }

    /// What `signedIn` reads, from `access_tokens t` joined to `users u`.
    static let signedInColumns = "t.id AS token_id, u.id, u.username, u.password_hash, u.display_name"

    /// A row of the lookup (or of `PostgresSignIns`'): the key's id and its user.
    static func signedIn(_ row: any ColumnReader) throws -> (tokenID: Int, user: SignedInUser) {
        (try row.int("token_id"), SignedInUser(
            id: try row.int("id"), username: try row.string("username"), displayName: try row.string("display_name"),
            passwordHash: try row.string("password_hash")))
    }
}

/// Who signed a request in: what requests need of their user, read with the key.
///
/// A plain value rather than the Fluent `User` model: a model's fields are objects (property
/// wrappers) made and looked up through generic metadata, and building one for every signed-in
/// request was 2 to 3 % of a page's CPU. Code that changes the account loads the model.
struct SignedInUser: Authenticatable, Sendable {
    let id: Int
    let username: String
    let displayName: String
    /// For the confirmations that ask for the password again (deleting the account).
    let passwordHash: String
}

extension Request {
    private struct AccessTokenIDKey: StorageKey { typealias Value = Int }

    /// The id of the access key this request signed in with, for logout.
    var accessTokenID: Int? {
        get { storage[AccessTokenIDKey.self] }
        set { storage[AccessTokenIDKey.self] = newValue }
    }

    /// The signed-in user, or `401`.
    func requireUser() throws -> SignedInUser {
        guard let user = auth.get(SignedInUser.self) else { throw APIError.notAuthenticated }
        return user
    }

    /// The signed-in user's id, or `401`.
    func requireUserID() throws -> Int {
        try requireUser().id
    }
}
