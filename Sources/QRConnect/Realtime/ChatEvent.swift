import Foundation

/// What a live socket receives: one JSON text frame per event, `{"type": ..., ...}`.
enum ChatEvent {
    /// `{"type": "message.created", "message": {...}}`, the message in the contract's shape.
    case messageCreated(MessageDTO)
    /// `{"type": "conversation.read", "reader", "reader_id", "owner_id"?, "pseudo"?, "user_ids"?, "read_up_to"}`.
    case conversationRead(ReadReceipt)
    /// `{"type": "ready", "last_message_id"}`: what the client missed has been sent; live from here.
    case ready(lastMessageID: Int)

    /// The text frame. Encoded once per event, then sent as-is to every socket that gets it.
    func frame() throws -> String {
        let data: Data = switch self {
        case .messageCreated(let message):
            try Self.encoder.encode(MessageFrame(message: message))
        case .conversationRead(let receipt):
            try Self.encoder.encode(ReadFrame(receipt: receipt))
        case .ready(let lastMessageID):
            try Self.encoder.encode(ReadyFrame(lastMessageID: lastMessageID))
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    private struct MessageFrame: Encodable {
        var type = "message.created"
        let message: MessageDTO
    }

    private struct ReadFrame: Encodable {
        var type = "conversation.read"
        let reader: ReadReceipt.Reader
        let readerID: Int?
        let ownerID: Int?
        let pseudo: String?
        let userIDs: [Int]?
        let readUpTo: Int

        init(receipt: ReadReceipt) {
            reader = receipt.reader
            readerID = receipt.readerID
            ownerID = receipt.ownerID
            pseudo = receipt.pseudo
            userIDs = receipt.userIDs
            readUpTo = receipt.readUpTo
        }

        enum CodingKeys: String, CodingKey {
            case type, reader, pseudo
            case readerID = "reader_id"
            case ownerID = "owner_id"
            case userIDs = "user_ids"
            case readUpTo = "read_up_to"
        }
    }

    private struct ReadyFrame: Encodable {
        var type = "ready"
        let lastMessageID: Int
        enum CodingKeys: String, CodingKey {
            case type
            case lastMessageID = "last_message_id"
        }
    }
}
