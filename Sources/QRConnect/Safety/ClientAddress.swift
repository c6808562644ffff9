import Crypto
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The client's network address, kept only as a keyed hash.
///
/// Limits and blocks need to recognise an address again; nothing needs the address itself. The
/// HMAC key is `IP_HASH_SECRET` or, when unset, one made on first use and shared by all processes
/// through the database. Owners never see any of it.
///
/// Not an actor: once the key is known (from the first use on), hashing needs no hop to another
/// executor, only a read of the key under a lock.
final class ClientAddressHasher: Sendable {
    private let configuredSecret: String?
    private let key = NIOLockedValueBox<SymmetricKey?>(nil)

    init(secret: String?) {
        self.configuredSecret = secret
    }

    /// `db` is used only the first time, to read or make the shared secret.
    func hash(_ address: String, on db: any Database) async throws -> String {
        let key = try await self.key(on: db)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(address.utf8), using: key)
        return Data(mac).prefix(16).lowercaseHex
    }

    private func key(on db: any Database) async throws -> SymmetricKey {
        if let known = key.withLockedValue({ $0 }) { return known }
        let secret: String
        if let configuredSecret {
            secret = configuredSecret
        } else {
            // Two first uses at once both read the one stored secret: the same key either way.
            secret = try await Self.sharedSecret(on: db)
        }
        let made = SymmetricKey(data: SHA256.hash(data: Data(secret.utf8)))
        key.withLockedValue { $0 = made }
        return made
    }

    /// The secret stored in the database, made by whichever process needed it first.
    private static func sharedSecret(on db: any Database) async throws -> String {
        let sql = db as! any SQLDatabase
        try await sql.raw("""
            INSERT INTO server_secrets (name, value) VALUES ('client_address_key', \(bind: SecretToken.generate()))
            ON CONFLICT (name) DO NOTHING
            """).run()
        let row = try await sql.raw("SELECT value FROM server_secrets WHERE name = 'client_address_key'").first()
        return try row!.decode(column: "value", as: String.self)
    }
}

extension Request {
    /// The address the request came from: the peer, or with `TRUST_X_FORWARDED_FOR` the address
    /// the proxy in front of us appended last to `X-Forwarded-For` (earlier entries are the
    /// client's word and cannot be trusted).
    var clientAddress: String {
        if application.config.trustForwardedFor,
           let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
           !forwarded.isEmpty {
            return forwarded
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    /// The keyed hash of `clientAddress`.
    func clientAddressHash() async throws -> String {
        try await application.clientAddressHasher.hash(clientAddress, on: database)
    }
}

extension Application {
    private struct HasherKey: StorageKey { typealias Value = ClientAddressHasher }

    var clientAddressHasher: ClientAddressHasher {
        get { storage.required(HasherKey.self) }
        set { storage[HasherKey.self] = newValue }
    }
}
