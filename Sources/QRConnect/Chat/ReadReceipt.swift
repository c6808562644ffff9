/// "This side has read the discussion up to this message", to tell the other side (read
/// receipts) and the reader's other devices (unread badges).
struct ReadReceipt: Sendable {
    enum Reader: String, Sendable, Encodable { case owner, guest, user }

    let reader: Reader
    /// The user who read (nil when the guest read).
    let readerID: Int?
    /// Guest conversations: the owner and the guest's pseudonym.
    var ownerID: Int? = nil
    var pseudo: String? = nil
    /// Discussions between users: both user ids.
    var userIDs: [Int]? = nil
    let readUpTo: Int
    /// Who is told.
    let parties: Set<Party>
}
