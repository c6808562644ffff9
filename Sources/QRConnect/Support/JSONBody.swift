import Vapor

extension Request {
    /// Decodes the request body as a JSON object into `T`, with the contract's answers for bad input:
    /// `415` for a body that is not declared as JSON, `400` for malformed JSON, JSON that is not an
    /// object, or fields of the wrong type. Size is capped by the route's body limit (`413`).
    func decodeJSONObject<T: Decodable>(_ type: T.Type) async throws -> T {
        guard let contentType = headers.contentType,
              contentType.type == "application",
              contentType.subType == "json" || contentType.subType.hasSuffix("+json")
        else {
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
                throw APIError.malformedJSON
            }
            throw error
        }
    }
}

enum JSONBody {
    static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
    static let decoder = JSONDecoder()
}
