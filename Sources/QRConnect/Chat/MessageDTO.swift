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
    let createdAt: String
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
        self.createdAt = WireTime.string(from: message.createdAt ?? Date())
        self.read = read
    }

    init(_ message: Message, read: Bool) {
        self.init(StoredMessage(message), read: read)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(sender, forKey: .sender)
        try container.encode(senderName, forKey: .senderName)
        try container.encode(receiver, forKey: .receiver)
        try container.encode(pseudo, forKey: .pseudo)
        try container.encode(content, forKey: .content)
        try container.encode(createdAt, forKey: .createdAt)
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
        json.raw(",\"created_at\":"); json.string(createdAt)
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
