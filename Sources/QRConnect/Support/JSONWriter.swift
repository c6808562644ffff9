import Vapor

/// Writes JSON straight into a byte buffer, for the answers that carry many messages (pages,
/// conversation lists, sends).
///
/// Foundation's `JSONEncoder` builds a tree of boxed values and walks it again to serialise; on a
/// 50-message page profiling showed it as about a tenth of the request's CPU. The wire types
/// that are on hot paths write themselves here instead (`JSONWritable`), in the same shape
/// their `Encodable` conformance gives (tests compare the two).
struct JSONWriter {
    /// The JSON so far. A plain array rather than NIO's `ByteBuffer`: each write to a
    /// `ByteBuffer` checks its storage is unique and not being accessed, and on a 100-entry inbox
    /// (about 1 500 small writes) those checks showed at 6 % of the request's CPU; an array's
    /// appends are checked where the compiler can see them. One copy into a buffer at the end.
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// The written JSON.
    var buffer: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// Punctuation and keys known when the code is written: `{"id":`.
    mutating func raw(_ text: StaticString) {
        // (`withUTF8Buffer`, not `utf8Start`: a one-character literal may be stored as a scalar.)
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) {
        // Digits written last first into a scratch buffer on the stack: no `String` per number.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    mutating func int(_ value: Int?) {
        if let value { int(value) } else { raw("null") }
    }

    mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    mutating func string(_ value: String?) {
        guard let value else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        // Strings read from the database are native UTF-8, readable in place; others are copied.
        if value.utf8.withContiguousStorageIfAvailable({ escaped($0) }) == nil {
            var copy = value
            copy.withUTF8 { escaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The bytes of a string's text, escaped for JSON.
    private mutating func escaped(_ text: UnsafeBufferPointer<UInt8>) {
        // Most text needs no escaping: copy runs of plain bytes whole.
        var runStart = 0
        for index in text.indices {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index]))
            escape(byte)
            runStart = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
    }

    /// A time as a JSON string in the wire form (`WireTime`).
    mutating func timestamp(_ date: Date) {
        bytes.append(UInt8(ascii: "\""))
        withUnsafeTemporaryAllocation(byteCount: WireTime.length, alignment: 1) { time in
            WireTime.write(date, into: time)
            bytes.append(contentsOf: time)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `[a,b,c]`, each element written by `element`.
    mutating func array<Element>(_ elements: some Sequence<Element>, _ element: (inout JSONWriter, Element) -> Void) {
        raw("[")
        var first = true
        for value in elements {
            if !first { raw(",") }
            first = false
            element(&self, value)
        }
        raw("]")
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            raw("\\u00")
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    /// The written JSON as a response.
    func response(status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(buffer: buffer))
    }
}

/// A wire type that writes its own JSON (see `JSONWriter`).
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension Array: JSONWritable where Element: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.array(self) { json, element in element.write(to: &json) }
    }
}
