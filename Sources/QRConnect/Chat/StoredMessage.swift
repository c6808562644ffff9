import Fluent
import Foundation
import SQLKit

/// A message as read back from the database: a plain value decoded straight from the row.
///
/// Reads do not go through the Fluent `Message` model: hydrating a model walks its properties by
/// reflection, and profiling a 50-message page showed that walk as about 30 % of the request's
/// CPU. `Message` stays the type that inserts.
struct StoredMessage: Decodable, Sendable {
    let id: Int
    let senderID: Int?
    let receiverID: Int?
    let guestSessionID: Int?
    let pairLowID: Int?
    let pairHighID: Int?
    let senderName: String
    let pseudo: String?
    let content: String
    let createdAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, pseudo, content
        case senderID = "sender_id"
        case receiverID = "receiver_id"
        case guestSessionID = "guest_session_id"
        case pairLowID = "pair_low_id"
        case pairHighID = "pair_high_id"
        case senderName = "sender_name"
        case createdAt = "created_at"
    }

    /// The columns a message's wire form is written from (`JSONWriter.message(row:marks:)`), for
    /// statements that write their rows straight to JSON: a page, an inbox. Every column read on
    /// PostgreSQL is a cell that PostgresNIO decodes for every row.
    static let wireColumns: [CodingKeys] = [.id, .senderID, .receiverID, .senderName, .pseudo, .content, .createdAt]
    static let wireColumnList = wireColumns.map(\.rawValue).joined(separator: ", ")

    /// `SELECT <the columns> FROM messages`, to narrow with `where`, order and limit.
    static func select(on db: any Database) -> SQLSelectBuilder {
        (db as! any SQLDatabase).select()
            .columns(CodingKeys.allCases.map { SQLColumn($0.rawValue) })
            .from(Message.schema)
    }
}

extension StoredMessage {
    /// The message just inserted through the model.
    init(_ message: Message) {
        id = message.id!
        senderID = message.$sender.id
        receiverID = message.$receiver.id
        guestSessionID = message.$guestSession.id
        pairLowID = message.pairLowID
        pairHighID = message.pairHighID
        senderName = message.senderName
        pseudo = message.pseudo
        content = message.content
        createdAt = message.createdAt
    }
}
