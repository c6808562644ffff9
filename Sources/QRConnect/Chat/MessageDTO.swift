import Vapor

/// A message on the wire:
/// `{"id", "sender", "sender_name", "receiver", "pseudo", "content", "created_at", "read"}`.
/// `sender`/`receiver` are `null` on the guest side, `pseudo` is `null` between two users:
/// the keys are always present, so this type encodes itself rather than dropping nils.
struct MessageDTO: Content {
    let id: Int
    let sender: Int?
    let senderName: String
    let receiver: Int?
    let pseudo: String?
    let content: String
    /// Written as `created_at` in the wire form (`WireTime`).
    let created: Date
    /// Whether the receiving side has read it.
    let read: Bool

    enum CodingKeys: String, CodingKey {
        case id, sender, receiver, pseudo, content, read
        case senderName = "sender_name"
        case createdAt = "created_at"
    }

    init(_ message: StoredMessage, read: Bool) {
        self.id = message.id
        self.sender = message.senderID
        self.senderName = message.senderName
        self.receiver = message.receiverID
        self.pseudo = message.pseudo
        self.content = message.content
        self.created = message.createdAt ?? Date()
        self.read = read
    }

    init(_ message: Message, read: Bool) {
        self.init(StoredMessage(message), read: read)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        sender = try container.decode(Int?.self, forKey: .sender)
        senderName = try container.decode(String.self, forKey: .senderName)
        receiver = try container.decode(Int?.self, forKey: .receiver)
        pseudo = try container.decode(String?.self, forKey: .pseudo)
        content = try container.decode(String.self, forKey: .content)
        let createdAt = try container.decode(String.self, forKey: .createdAt)
        guard let created = WireTime.date(from: createdAt) else {
            throw DecodingError.dataCorruptedError(forKey: .createdAt, in: container, debugDescription: "not a wire time")
        }
        self.created = created
        read = try container.decode(Bool.self, forKey: .read)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(sender, forKey: .sender)
        try container.encode(senderName, forKey: .senderName)
        try container.encode(receiver, forKey: .receiver)
        try container.encode(pseudo, forKey: .pseudo)
        try container.encode(content, forKey: .content)
        try container.encode(WireTime.string(from: created), forKey: .createdAt)
        try container.encode(read, forKey: .read)
    }
}

extension MessageDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.message(
            id: id, sender: sender, senderName: senderName, receiver: receiver, pseudo: pseudo, content: content,
            created: created, read: read)
    }
}

extension JSONWriter {
    /// A message's wire form (`MessageDTO`), written from its fields.
    mutating func message(
        id: Int, sender: Int?, senderName: String, receiver: Int?, pseudo: String?, content: String, created: Date, read: Bool
    ) {
        message(id: id, sender: sender, receiver: receiver, created: created, read: read) { json, text in
            switch text {
            case .senderName: json.string(senderName)
            case .pseudo: json.string(pseudo)
            case .content: json.string(content)
            }
        }
    }

    /// A message's wire form written straight from a row of `StoredMessage.wireColumns`, its text
    /// from the database's bytes (`ColumnReader.writeString`), `read` from the discussion's marks.
    /// Returns the message's id.
    @discardableResult
    mutating func message(row: any ColumnReader, marks: ReadMarks) throws -> Int {
        let id = try row.int("id")
        let receiver = try row.optionalInt("receiver_id")
        try message(
            id: id, sender: try row.optionalInt("sender_id"), receiver: receiver,
            created: try row.optionalDate("created_at") ?? Date(), read: marks.isRead(id: id, receiver: receiver)
        ) { json, text in
            switch text {
            case .senderName: try row.writeString("sender_name", to: &json)
            case .pseudo: try row.writeString("pseudo", to: &json)
            case .content: try row.writeString("content", to: &json)
            }
        }
        return id
    }

    /// The three texts of a message, each written by the caller of the shape below.
    enum MessageText { case senderName, pseudo, content }

    /// The wire form's keys and order, in one place for both sources of a message.
    private mutating func message(
        id: Int, sender: Int?, receiver: Int?, created: Date, read: Bool,
        text: (inout JSONWriter, MessageText) throws -> Void
    ) rethrows {
        raw("{\"id\":"); int(id)
        raw(",\"sender\":"); int(sender)
        raw(",\"sender_name\":"); try text(&self, .senderName)
        raw(",\"receiver\":"); int(receiver)
        raw(",\"pseudo\":"); try text(&self, .pseudo)
        raw(",\"content\":"); try text(&self, .content)
        raw(",\"created_at\":"); timestamp(created)
        raw(",\"read\":"); bool(read)
        raw("}")
    }
}

/// What each side of a discussion has read, to fill in `read` on its messages.
///
/// A discussion has two sides, so the marks are two plain pairs rather than a dictionary: an
/// inbox builds one per entry, and a dictionary there was an allocation and two hashes per row.
struct ReadMarks: Sendable {
    /// One receiving side: a user id, or nil for the guest, and the newest message it has read.
    struct Side: Sendable {
        let receiver: Int?
        let readUpTo: Int
    }
    private let first: Side
    private let second: Side

    private init(_ first: Side, _ second: Side) {
        self.first = first
        self.second = second
    }

    static func guestThread(_ session: GuestSession) -> ReadMarks {
        guestThread(ownerID: session.$owner.id, ownerReadUpTo: session.ownerReadUpTo, guestReadUpTo: session.guestReadUpTo)
    }

    static func guestThread(_ session: GuestThread) -> ReadMarks {
        guestThread(ownerID: session.ownerID, ownerReadUpTo: session.ownerReadUpTo, guestReadUpTo: session.guestReadUpTo)
    }

    static func guestThread(ownerID: Int, ownerReadUpTo: Int, guestReadUpTo: Int) -> ReadMarks {
        ReadMarks(Side(receiver: ownerID, readUpTo: ownerReadUpTo), Side(receiver: nil, readUpTo: guestReadUpTo))
    }

    /// Marks for a page with no messages to mark.
    static let noMessages = ReadMarks(Side(receiver: nil, readUpTo: 0), Side(receiver: nil, readUpTo: 0))

    /// A discussion between two users; a side with no mark has read nothing.
    static func direct(_ user: Int, readUpTo userMark: Int?, _ partner: Int, readUpTo partnerMark: Int?) -> ReadMarks {
        ReadMarks(Side(receiver: user, readUpTo: userMark ?? 0), Side(receiver: partner, readUpTo: partnerMark ?? 0))
    }

    func isRead(_ message: StoredMessage) -> Bool {
        isRead(id: message.id, receiver: message.receiverID)
    }

    /// Whether message `id`, sent to `receiver` (nil: to the guest), was read by its receiver.
    func isRead(id: Int, receiver: Int?) -> Bool {
        let mark = receiver == first.receiver ? first.readUpTo : receiver == second.receiver ? second.readUpTo : 0
        return mark >= id
    }

    func dto(_ message: StoredMessage) -> MessageDTO { MessageDTO(message, read: isRead(message)) }
}
