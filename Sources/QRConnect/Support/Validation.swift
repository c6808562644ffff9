import Foundation

/// Collects field errors so that one `400` reports every bad field at once.
struct FieldErrors {
    private(set) var errors: [String: [String]] = [:]

    mutating func add(_ field: String, _ message: String) {
        errors[field, default: []].append(message)
    }

    /// Throws the collected errors, if any.
    func throwIfAny() throws {
        if !errors.isEmpty { throw APIError.invalid(errors) }
    }
}

extension String {
    /// True if the string holds a control character (C0, DEL, C1) or a Unicode line/paragraph separator,
    /// which have no place in a one-line name shown to other people.
    var containsControlCharacters: Bool {
        unicodeScalars.contains { scalar in
            scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .format && scalar.value != 0x200D // keep ZWJ emoji
                || scalar.value == 0x2028 || scalar.value == 0x2029
        }
    }

    /// Trimmed of leading and trailing white space and newlines.
    var trimmed: String {
        // Most values have nothing to trim, which a printable ASCII byte at each end shows
        // without Foundation (whose trimming was 3 % of a send's CPU, for the key and the text).
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return self
        }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
