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
        json.raw("{\"id\":"); json.int(id)
        json.raw(",\"sender\":"); json.int(sender)
        json.raw(",\"sender_name\":"); json.string(senderName)
        json.raw(",\"receiver\":"); json.int(receiver)
        json.raw(",\"pseudo\":"); json.string(pseudo)
        json.raw(",\"content\":"); json.string(content)
        json.raw(",\"created_at\":"); json.timestamp(created)
        json.raw(",\"read\":"); json.bool(read)
        json.raw("}")
    }
}

/// What each side of a discussion has read, to fill in `read` on its messages.
struct ReadMarks: Sendable {
    /// Read-up-to mark per receiving side: a user id, or nil for the guest.
    private let marks: [Int?: Int]

    init(_ marks: [Int?: Int]) { self.marks = marks }

    static func guestThread(_ session: GuestSession) -> ReadMarks {
        guestThread(ownerID: session.$owner.id, ownerReadUpTo: session.ownerReadUpTo, guestReadUpTo: session.guestReadUpTo)
    }

    static func guestThread(_ session: GuestThread) -> ReadMarks {
        guestThread(ownerID: session.ownerID, ownerReadUpTo: session.ownerReadUpTo, guestReadUpTo: session.guestReadUpTo)
    }

    static func guestThread(ownerID: Int, ownerReadUpTo: Int, guestReadUpTo: Int) -> ReadMarks {
        ReadMarks([ownerID: ownerReadUpTo, nil: guestReadUpTo])
    }

    func isRead(_ message: StoredMessage) -> Bool {
        (marks[message.receiverID] ?? 0) >= message.id
    }

    func dto(_ message: StoredMessage) -> MessageDTO { MessageDTO(message, read: isRead(message)) }
}
