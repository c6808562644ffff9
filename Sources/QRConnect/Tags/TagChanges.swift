import Foundation

/// `PATCH /api/tags/<token>/` body: any of `label`, `paused`, `lost_message`; only the keys sent
/// change. `null` clears a label or turns lost mode off. Every bad field is reported at once.
struct TagChanges: Decodable {
    static let maxLabelCharacters = 40
    static let maxLostMessageCharacters = 280

    /// nil: unchanged; `.some(nil)`: cleared.
    let label: String??
    let paused: Bool?
    let lostMessage: String??

    enum CodingKeys: String, CodingKey {
        case label, paused
        case lostMessage = "lost_message"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var errors = FieldErrors()
        func optionalString(_ key: CodingKeys) -> String?? {
            guard container.contains(key) else { return nil }
            if (try? container.decodeNil(forKey: key)) == true { return .some(nil) }
            guard let value = try? container.decode(String.self, forKey: key) else {
                errors.add(key.stringValue, "Une chaîne de caractères ou null est attendue.")
                return nil
            }
            return .some(value)
        }

        var label = optionalString(.label)
        if case .some(.some(let raw)) = label {
            let trimmed = raw.trimmed
            if !(1...Self.maxLabelCharacters).contains(trimmed.count) {
                errors.add("label", "1 à \(Self.maxLabelCharacters) caractères.")
            } else if trimmed.containsControlCharacters {
                errors.add("label", "Caractères de contrôle interdits.")
            }
            label = .some(trimmed)
        }

        var lostMessage = optionalString(.lostMessage)
        if case .some(.some(let raw)) = lostMessage {
            // Line breaks are part of a message ("Reward if found.\nCall me."); nothing else invisible is.
            let trimmed = raw.replacingOccurrences(of: "\r\n", with: "\n").trimmed
            if !(1...Self.maxLostMessageCharacters).contains(trimmed.count) {
                errors.add("lost_message", "1 à \(Self.maxLostMessageCharacters) caractères.")
            } else if trimmed.split(separator: "\n", omittingEmptySubsequences: false).contains(where: { String($0).containsControlCharacters }) {
                errors.add("lost_message", "Caractères de contrôle interdits.")
            }
            lostMessage = .some(trimmed)
        }

        var paused: Bool? = nil
        if container.contains(.paused) {
            if let value = try? container.decode(Bool.self, forKey: .paused) {
                paused = value
            } else {
                errors.add("paused", "true ou false est attendu.")
            }
        }

        if label == nil, lostMessage == nil, paused == nil, errors.errors.isEmpty {
            errors.add("non_field_errors", "Envoyez au moins un de label, paused, lost_message.")
        }
        try errors.throwIfAny()
        self.label = label
        self.paused = paused
        self.lostMessage = lostMessage
    }
}
