import NIOConcurrencyHelpers

/// The connections open right now, in total and per client address, checked against the caps.
///
/// A connection is admitted on the listening channel's event loop but released (when it closes)
/// on its own event loop, which may be another thread: so the counts sit behind a lock rather
/// than being confined to one loop. Both operations are a few dictionary steps.
final class OpenConnections: Sendable {
    enum Admission: Equatable {
        case admitted
        case overTotal
        case overAddress
    }

    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    private let limits: ConnectionLimits
    private let counts = NIOLockedValueBox(Counts())

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    /// Counts a new connection from `address` (nil when it has none, e.g. a Unix socket) if both
    /// caps allow it. An admitted connection must be `release`d exactly once, when it closes.
    func admit(from address: String?) -> Admission {
        counts.withLockedValue { counts in
            guard counts.total < limits.maxConnections else { return .overTotal }
            if let address, let cap = limits.maxConnectionsPerAddress {
                let fromAddress = counts.byAddress[address, default: 0]
                guard fromAddress < cap else { return .overAddress }
                counts.byAddress[address] = fromAddress + 1
            }
            counts.total += 1
            return .admitted
        }
    }

    func release(from address: String?) {
        counts.withLockedValue { counts in
            counts.total -= 1
            if let address, limits.maxConnectionsPerAddress != nil, let open = counts.byAddress[address] {
                // Forget addresses with nothing open, so the table stays as small as the live set.
                counts.byAddress[address] = open > 1 ? open - 1 : nil
            }
        }
    }

    /// Connections open now (for logs and tests).
    var total: Int { counts.withLockedValue { $0.total } }
}
