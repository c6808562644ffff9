import Fluent

/// Turns stored messages from any discussions into wire messages with the right `read` flag,
/// loading the read marks of all their discussions in two queries.
struct MessageRenderer: Sendable {
    let db: any Database

    func render(_ messages: [StoredMessage]) async throws -> [MessageDTO] {
        guard !messages.isEmpty else { return [] }
        let sessionIDs = Set(messages.compactMap(\.guestSessionID))
        let sessions = sessionIDs.isEmpty ? [] : try await GuestSession.query(on: db).filter(\.$id ~~ sessionIDs).all()
        let marksBySession = Dictionary(sessions.map { ($0.id!, ReadMarks.guestThread($0)) }, uniquingKeysWith: { a, _ in a })

        let usersInPairs = Set(messages.filter { $0.pairLowID != nil }.flatMap { [$0.pairLowID!, $0.pairHighID!] })
        var directMarks: [DirectPair: Int] = [:]
        if !usersInPairs.isEmpty {
            let rows = try await DirectConversation.query(on: db)
                .filter(\.$user.$id ~~ usersInPairs).filter(\.$partner.$id ~~ usersInPairs).all()
            for row in rows { directMarks[DirectPair(reader: row.$user.id, partner: row.$partner.id)] = row.readUpTo }
        }

        return messages.map { message in
            if let sessionID = message.guestSessionID {
                return marksBySession[sessionID]?.dto(message) ?? MessageDTO(message, read: false)
            }
            guard let receiver = message.receiverID, let sender = message.senderID else {
                return MessageDTO(message, read: false)
            }
            let mark = directMarks[DirectPair(reader: receiver, partner: sender)] ?? 0
            return MessageDTO(message, read: mark >= message.id)
        }
    }

    private struct DirectPair: Hashable {
        let reader: Int
        let partner: Int
    }
}
