import Fluent
import SQLKit

/// The messages a party has not seen since a given id: what a reconnecting client missed, and
/// what every socket of a process is re-sent after that process's notification feed broke.
struct MissedMessages: Sendable {
    let db: any Database
    /// A page per query; a client that missed more than `maxTotal` reloads its lists over HTTP.
    static let pageSize = 200
    static let maxTotal = 2000

    /// Messages of `party`'s discussions with an id above `since`, oldest first.
    func after(_ since: Int, for party: Party) async throws -> [MessageDTO] {
        var messages: [StoredMessage] = []
        var cursor = since
        while messages.count < Self.maxTotal {
            let page = try await query(for: party)?
                .where("id", .greaterThan, cursor)
                .orderBy("id", .ascending)
                .limit(Self.pageSize)
                .all(decoding: StoredMessage.self) ?? []
            messages += page
            guard page.count == Self.pageSize, let last = page.last?.id else { break }
            cursor = last
        }
        return try await MessageRenderer(db: db).render(messages)
    }

    /// The newest message id there is: where a client that gave no `since` starts from.
    func newestID() async throws -> Int {
        try await Message.query(on: db).max(\.$id) ?? 0
    }

    /// A user's messages both ways (indexes `messages_receiver_idx`, `messages_sender_idx`);
    /// a guest's, through their sessions (`messages_guest_thread_idx`). Nil: nothing to find.
    private func query(for party: Party) async throws -> SQLSelectBuilder? {
        switch party {
        case .user(let id):
            return StoredMessage.select(on: db).where { $0.where("receiver_id", .equal, id).orWhere("sender_id", .equal, id) }
        case .guest(let tokenHash):
            let sessionIDs = try await GuestSession.query(on: db).filter(\.$tokenHash == tokenHash).all(\.$id)
            guard !sessionIDs.isEmpty else { return nil }
            return StoredMessage.select(on: db).where("guest_session_id", .in, sessionIDs)
        }
    }
}
