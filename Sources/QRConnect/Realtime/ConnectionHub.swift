import Fluent
import Vapor

/// This process's open sockets, by party, and the delivery of bus notes to them.
actor ConnectionHub {
    private var byParty: [Party: [UUID: LiveConnection]] = [:]
    private let database: @Sendable () -> any Database
    private let logger: Logger

    init(logger: Logger, database: @escaping @Sendable () -> any Database) {
        self.logger = logger
        self.database = database
    }

    var connectionCount: Int { byParty.values.reduce(0) { $0 + $1.count } }

    func add(_ connection: LiveConnection) {
        byParty[connection.party, default: [:]][connection.id] = connection
    }

    func remove(_ connection: LiveConnection) {
        byParty[connection.party]?[connection.id] = nil
        if byParty[connection.party]?.isEmpty == true { byParty[connection.party] = nil }
    }

    /// Delivers a note to the sockets of its parties that this process holds, if any.
    /// A message is read from the database only when someone here is listening for it.
    func receive(_ note: BusNote) async {
        let targets = note.parties.compactMap(Party.init(key:)).flatMap { byParty[$0]?.values.map { $0 } ?? [] }
        guard !targets.isEmpty else { return }
        let frame: String
        if let messageID = note.messageID {
            do {
                guard let message = try await StoredMessage.select(on: database())
                        .where("id", .equal, messageID).first(decoding: StoredMessage.self),
                      let rendered = try await MessageRenderer(db: database()).render([message]).first
                else { return }
                frame = try ChatEvent.messageCreated(rendered).frame()
            } catch {
                logger.warning("live delivery: cannot load message \(messageID): \(String(reflecting: error))")
                return
            }
        } else if let ready = note.frame {
            frame = ready
        } else {
            return
        }
        for connection in targets {
            await connection.deliver(frame, messageID: note.messageID)
        }
    }

    /// Every socket catches up from the last message it was sent: after this process's feed of
    /// notes was interrupted, this covers whatever was published during the gap.
    func resyncAll() async {
        let connections = byParty.values.flatMap { $0.values }
        let missed = MissedMessages(db: database())
        for connection in connections {
            let since = await connection.lastMessageID
            await connection.catchUp(after: since, using: missed)
        }
    }
}
