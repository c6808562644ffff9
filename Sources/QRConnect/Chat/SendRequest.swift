import Vapor

/// `POST /api/chat/send/` body. One endpoint carries three kinds of send; which one is meant
/// depends on who is calling and which fields are present:
/// - signed in with `pseudo`: the owner replies to one of their guests;
/// - signed in otherwise: `receiver` is another user;
/// - anonymous: a guest writes to the owner `receiver`, as `sender_name` if given.
struct SendRequest: Decodable {
    let receiver: Int?
    let content: String
    /// The guest's chosen pseudonym (anonymous sends); nil lets the server pick one.
    let senderName: String?
    /// The guest an owner replies to.
    let pseudo: String?
    /// The tag a guest came through (the chat page sends it): a paused tag refuses the message.
    let tag: UUID?

    enum CodingKeys: String, CodingKey {
        case receiver, content, pseudo, tag
        case senderName = "sender_name"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var errors = FieldErrors()
        let receiver = try container.decodeIfPresent(Int.self, forKey: .receiver)
        let content = try container.decodeIfPresent(String.self, forKey: .content)
        let senderName = try container.decodeIfPresent(String.self, forKey: .senderName)
        let pseudo = try container.decodeIfPresent(String.self, forKey: .pseudo)
        let tagText = try container.decodeIfPresent(String.self, forKey: .tag)

        if let receiver, receiver < 1 {
            errors.add("receiver", "Identifiant invalide.")
        }
        let trimmedContent = content?.trimmed
        if let message = MessageRules.problem(withContent: trimmedContent) {
            errors.add("content", message)
        }
        let trimmedName = senderName?.trimmed
        if let trimmedName, !trimmedName.isEmpty, let message = MessageRules.problem(withPseudo: trimmedName) {
            errors.add("sender_name", message)
        }
        let trimmedPseudo = pseudo?.trimmed
        if let trimmedPseudo, let message = MessageRules.problem(withPseudo: trimmedPseudo) {
            errors.add("pseudo", message)
        }
        let tag = tagText.flatMap { UUID(uuidString: $0.trimmed) }
        if tagText != nil, tag == nil {
            errors.add("tag", "Un UUID est attendu.")
        }
        try errors.throwIfAny()

        self.receiver = receiver
        self.content = trimmedContent!
        self.senderName = trimmedName?.isEmpty == false ? trimmedName : nil
        self.pseudo = trimmedPseudo
        self.tag = tag
    }

    /// The receiver, required for user-to-user and guest sends.
    func requireReceiver() throws -> Int {
        guard let receiver else { throw APIError.invalidField("receiver", "Ce champ est obligatoire.") }
        return receiver
    }
}

enum MessageRules {
    static let maxContentCharacters = 4000
    static let maxPseudoCharacters = 50

    /// Why this content cannot be sent, or nil if it can. Counted in Unicode scalars, as Python counts.
    static func problem(withContent content: String?) -> String? {
        guard let content else { return "Ce champ est obligatoire." }
        if content.isEmpty { return "Le message est vide." }
        if content.unicodeScalars.count > maxContentCharacters {
            return "Au plus \(maxContentCharacters) caractères."
        }
        // PostgreSQL cannot store NUL in text, and no person types it.
        if content.unicodeScalars.contains("\u{0}") { return "Caractère nul interdit." }
        return nil
    }

    /// Why this pseudonym cannot be used, or nil if it can.
    static func problem(withPseudo pseudo: String) -> String? {
        if pseudo.isEmpty { return "Le pseudo est vide." }
        if pseudo.unicodeScalars.count > maxPseudoCharacters { return "Au plus \(maxPseudoCharacters) caractères." }
        if pseudo.containsControlCharacters { return "Caractères de contrôle interdits." }
        return nil
    }
}
