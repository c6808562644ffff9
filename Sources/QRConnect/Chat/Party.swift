/// Someone who takes part in discussions and may be listening for them: a signed-in user, or a
/// guest known by the hash of their token (one guest token can talk to several owners).
enum Party: Hashable, Sendable {
    case user(Int)
    case guest(tokenHash: String)

    /// A compact, stable name, used in the payloads passed between server processes.
    var key: String {
        switch self {
        case .user(let id): "u:\(id)"
        case .guest(let tokenHash): "g:\(tokenHash)"
        }
    }

    init?(key: String) {
        if key.hasPrefix("u:"), let id = Int(key.dropFirst(2)) {
            self = .user(id)
        } else if key.hasPrefix("g:"), key.count > 2 {
            self = .guest(tokenHash: String(key.dropFirst(2)))
        } else {
            return nil
        }
    }
}
