import Vapor

/// `POST /api/auth/register/` body, validated.
struct RegistrationRequest: Decodable {
    let username: String
    let password: String
    let displayName: String?

    enum CodingKeys: String, CodingKey {
        case username, password
        case displayName = "display_name"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var errors = FieldErrors()
        let username = try container.decodeIfPresent(String.self, forKey: .username)
        let password = try container.decodeIfPresent(String.self, forKey: .password)
        let displayName = try container.decodeIfPresent(String.self, forKey: .displayName)?.trimmed

        if let username {
            if !AccountRules.isValidUsername(username) {
                errors.add("username", "3 à 32 caractères : lettres, chiffres, _ . -")
            }
        } else {
            errors.add("username", "Ce champ est obligatoire.")
        }
        if let password {
            if password.count < AccountRules.minPasswordCharacters {
                errors.add("password", "Au moins \(AccountRules.minPasswordCharacters) caractères.")
            } else if password.utf8.count > AccountRules.maxPasswordBytes {
                // bcrypt ignores everything past 72 bytes; refusing is better than silently truncating.
                errors.add("password", "Au plus \(AccountRules.maxPasswordBytes) octets.")
            }
        } else {
            errors.add("password", "Ce champ est obligatoire.")
        }
        if let displayName {
            if displayName.count > AccountRules.maxDisplayNameCharacters {
                errors.add("display_name", "Au plus \(AccountRules.maxDisplayNameCharacters) caractères.")
            } else if displayName.containsControlCharacters {
                errors.add("display_name", "Caractères de contrôle interdits.")
            }
        }
        try errors.throwIfAny()
        self.username = username!
        self.password = password!
        self.displayName = displayName?.isEmpty == false ? displayName : nil
    }
}

/// `POST /api/auth/login/` body.
struct LoginRequest: Decodable {
    let username: String
    let password: String

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case username, password }
        let container = try decoder.container(keyedBy: Keys.self)
        var errors = FieldErrors()
        let username = try container.decodeIfPresent(String.self, forKey: .username)
        let password = try container.decodeIfPresent(String.self, forKey: .password)
        if username == nil { errors.add("username", "Ce champ est obligatoire.") }
        if password == nil { errors.add("password", "Ce champ est obligatoire.") }
        try errors.throwIfAny()
        self.username = username!
        self.password = password!
    }
}

/// `{"token", "user"}`: the answer to register and login.
struct SignedInResponse: Content {
    let token: String
    let user: UserDTO
}

enum AccountRules {
    static let minPasswordCharacters = 8
    static let maxPasswordBytes = 72
    static let maxDisplayNameCharacters = 64

    /// 3 to 32 of ASCII letters, digits, `_`, `.`, `-`.
    static func isValidUsername(_ name: String) -> Bool {
        let bytes = name.utf8
        return (3...32).contains(bytes.count) && bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}
