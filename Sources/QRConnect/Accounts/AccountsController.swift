import Fluent
import Vapor

/// `/api/auth/{register,login,logout,me}`.
struct AccountsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("api", "auth")
        auth.post("register", use: register)
        auth.post("login", use: login)
        auth.post("logout", use: logout)
        auth.get("me", use: me)
    }

    func register(req: Request) async throws -> Response {
        let body = try await req.decodeJSONObject(RegistrationRequest.self)
        try await req.enforcePerAddress(\.addressRegistrations)
        let passwordHash = try await req.passwordHasher.hash(body.password)
        let user = User(username: body.username, passwordHash: passwordHash, displayName: body.displayName ?? body.username)
        let key: String
        do {
            key = try await req.write { db in
                try await user.create(on: db)
                return try await AccessKeys.issue(for: user.id!, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw APIError.usernameTaken
        }
        return try await SignedInResponse(token: key, user: UserDTO(user)).encodeResponse(status: .created, for: req)
    }

    func login(req: Request) async throws -> SignedInResponse {
        let body = try await req.decodeJSONObject(LoginRequest.self)
        // Guessing passwords gets slow, from one address and against one account from many.
        try await req.enforcePerAddress(\.addressLogins)
        try await req.enforce(\.accountLogins, for: body.username.lowercased())
        // A name registration refuses belongs to no account; not looking it up also keeps a NUL,
        // which PostgreSQL refuses in a query, away from the database.
        let user: User? = if AccountRules.isValidUsername(body.username) {
            try await User.query(on: req.database).filter(\.$usernameKey == body.username.lowercased()).first()
        } else {
            nil
        }
        guard let user else {
            // Same work and same answer as a wrong password: the reply does not tell which names exist.
            _ = try? await req.passwordHasher.verify(body.password, created: req.application.decoyPasswordHash.value(req))
            throw APIError.invalidCredentials
        }
        guard try await req.passwordHasher.verify(body.password, created: user.passwordHash) else {
            throw APIError.invalidCredentials
        }
        let userID = user.id!
        let key = try await req.write { db in try await AccessKeys.issue(for: userID, on: db) }
        return SignedInResponse(token: key, user: UserDTO(user))
    }

    func logout(req: Request) async throws -> HTTPStatus {
        _ = try req.requireUser()
        if let tokenID = req.accessTokenID {
            try await req.write { db in
                try await AccessToken.query(on: db).filter(\.$id == tokenID).delete()
            }
        }
        return .noContent
    }

    func me(req: Request) async throws -> UserDTO {
        UserDTO(try req.requireUser())
    }
}

/// Issuing access keys: the key goes to the client once, its hash to the database.
enum AccessKeys {
    static func issue(for userID: Int, on db: any Database) async throws -> String {
        let key = SecretToken.generate()
        try await AccessToken(userID: userID, tokenHash: SecretToken.hash(key)).create(on: db)
        return key
    }
}

/// A bcrypt hash of nothing in particular, with the configured cost, verified against when the
/// username is unknown so that both failures take the same time. Made on first use, kept per app.
actor DecoyPasswordHash {
    private var hash: String?

    func value(_ req: Request) async throws -> String {
        if let hash { return hash }
        let made = try await req.passwordHasher.hash(SecretToken.generate())
        hash = made
        return made
    }
}

extension Application {
    private struct DecoyPasswordHashKey: StorageKey { typealias Value = DecoyPasswordHash }

    var decoyPasswordHash: DecoyPasswordHash {
        get { storage.required(DecoyPasswordHashKey.self) }
        set { storage[DecoyPasswordHashKey.self] = newValue }
    }
}
