import Fluent
import Vapor

// Signing in within a route's own statement.
//
// Signing a request in is one statement (the key's hash joined to its user). On PostgreSQL every
// statement is a round trip and about 150 µs of qrconnect's CPU, and the reads owners make most
// (a discussion's page, the guest inbox) are otherwise one statement more. On the routes marked
// `signsInWithinItsStatement()`, `UserAuthenticator` leaves the key's hash to the handler, whose
// statement finds the reader as `(SELECT user_id FROM access_tokens WHERE token_hash = ?)`.
// A key that names no one then finds nothing: such a statement can never show anyone's data
// without a live key.
//
// When that statement finds nothing (an empty page, an empty inbox), it cannot tell a revoked
// key from an empty list: the handler then signs in the usual way (`signInWithPresentedKey`),
// which answers `401` for a key that names no one, and goes on as for any signed-in request.
//
// A user's send on PostgreSQL does the same in its batch (`PostgresSendBatches.signedInDirectSQL`):
// the statement that stores the batch finds each key's user first, and stores nothing for a key
// that names no one. The send route is also the guests': a request without a key sends as a guest.

extension Route {
    private static let signsInKey = "qrconnect.signsInWithinItsStatement"

    /// Marks this route as one whose handler signs the request in within its own statement
    /// (`signsInItself`).
    @discardableResult
    func signsInWithinItsStatement() -> Route {
        userInfo[Self.signsInKey] = true
        return self
    }

    var signsInItself: Bool {
        userInfo[Self.signsInKey] as? Bool == true
    }
}

extension Request {
    private struct PresentedKeyHashKey: StorageKey { typealias Value = String }

    /// On a route that signs in within its statement, the hash of the key the request presented.
    var presentedKeyHash: String? {
        get { storage[PresentedKeyHashKey.self] }
        set { storage[PresentedKeyHashKey.self] = newValue }
    }

    /// The presented key's hash, or `401` for a request that presented none.
    func requirePresentedKeyHash() throws -> String {
        guard let hash = presentedKeyHash else { throw APIError.notAuthenticated }
        return hash
    }

    /// Signs in with the presented key now, as `UserAuthenticator` does elsewhere: `401` for no
    /// key, or for a key that names no one.
    func signInWithPresentedKey() async throws -> SignedInUser {
        guard let (tokenID, user) = try await UserAuthenticator.user(keyHash: try requirePresentedKeyHash(), on: database)
        else { throw APIError.invalidToken }
        auth.login(user)
        accessTokenID = tokenID
        return user
    }

    /// Reads a signed-in request's parameters keeping the usual order of answers: a missing or
    /// revoked key is a `401` before any parameter's `400`, as when the key is looked up first.
    func parametersOfSignedInRequest<T>(_ read: () async throws -> T) async throws -> T {
        do {
            return try await read()
        } catch {
            _ = try await signInWithPresentedKey()
            throw error
        }
    }
}

/// SQL for the user whose key a request presented: one bind, the key's hash.
enum PresentedKeyUser {
    static let idSQL = "(SELECT user_id FROM access_tokens WHERE token_hash = ?)"
}
