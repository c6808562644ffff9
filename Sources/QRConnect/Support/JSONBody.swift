import Vapor

extension Request {
    /// Decodes the request body as a JSON object into `T`, with the contract's answers for bad input:
    /// `415` for a body that is not declared as JSON, `400` for malformed JSON, JSON that is not an
    /// object, or fields of the wrong type. Size is capped by the route's body limit (`413`).
    func decodeJSONObject<T: Decodable>(_ type: T.Type) async throws -> T {
        guard let contentType = headers.first(name: .contentType), JSONBody.isJSON(contentType: contentType) else {
            throw APIError.unsupportedMediaType
        }
        let buffer = try await body.collect(upTo: application.routes.defaultMaxBodySize.value)
        guard buffer.readableBytes > 0 else {
            throw APIError.malformedJSON
        }
        let bytes = buffer.readableBytesView
        guard let first = bytes.first(where: { !JSONBody.whitespace.contains($0) }) else {
            throw APIError.malformedJSON
        }
        guard first == UInt8(ascii: "{") else {
            // Distinguish "valid JSON, wrong shape" from "not JSON at all" for the client's sake.
            if (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil {
                throw APIError.notAnObject
            }
            throw APIError.malformedJSON
        }
        do {
            return try JSONBody.decoder.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                // Foundation also reports a number that does not fit the field (`4.5` or `1e30` for an
                // integer) this way, without naming the field: that is a bad field, not bad JSON.
                if let field = JSONBody.fieldWithUnfitValue(T.self, in: Data(bytes)) {
                    throw APIError.invalidField(field, "Valeur invalide.")
                }
                throw APIError.malformedJSON
            }
            throw error
        }
    }
}

enum JSONBody {
    static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
    static let decoder = JSONDecoder()

    /// `application/json` or `application/<anything>+json`, with or without parameters
    /// (`; charset=utf-8`), in any case. Read from the header as it is: Vapor's parsed
    /// `contentType` trims every parameter with Foundation, a visible cost on every send.
    static func isJSON(contentType: String) -> Bool {
        let mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = mediaType.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        let lowercased = String(decoding: trimmed, as: UTF8.self).lowercased()
        return lowercased == "application/json"
            || lowercased.hasPrefix("application/") && lowercased.hasSuffix("+json") && lowercased.count > "application/+json".count
    }

    /// For valid JSON that `T` refused as "corrupted": the top-level member whose value `T` cannot
    /// read on its own, found by decoding each member alone. Nil if the body is not valid JSON.
    static func fieldWithUnfitValue<T: Decodable>(_ type: T.Type, in data: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        for (key, value) in object.sorted(by: { $0.key < $1.key }).prefix(64) {
            guard let member = try? JSONSerialization.data(withJSONObject: [key: value]) else { continue }
            do {
                _ = try decoder.decode(T.self, from: member)
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return key
            } catch {}
        }
        return "non_field_errors"
    }
}
