import Vapor

/// Writes JSON straight into a byte buffer, for the answers that carry many messages (pages,
/// conversation lists, sends).
///
/// Foundation's `JSONEncoder` builds a tree of boxed values and walks it again to serialise; on a
/// 50-message page profiling showed it as about a tenth of the request's CPU. The wire types
/// that are on hot paths write themselves here instead (`JSONWritable`), in the same shape
/// their `Encodable` conformance gives (tests compare the two). The guest inbox is written from
/// its rows, with no type of its own per entry (`ReadingTests` compares it with the pages).
struct JSONWriter: ~Copyable {
    // The JSON so far lives in memory of its own, grown by doubling, rather than in NIO's
    // `ByteBuffer` or an array. A `ByteBuffer` checks its storage is unique and not being
    // accessed on each write: on a 100-entry inbox (about 1 500 small writes) that showed at 6 %
    // of the request's CPU. An array's `append(contentsOf:)` is a call of its own per write, with
    // the same uniqueness check: 4 % of the inbox's CPU after that. Here a write is a bounds test
    // and a copy. One copy into a `ByteBuffer` at the end. Not copyable: it owns its memory.
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit {
        start.deallocate()
    }

    /// The written JSON.
    var buffer: ByteBuffer {
        ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count))
    }

    /// How many bytes are written: where the next value starts (`array(ofSegments:)`).
    var length: Int { count }

    /// `[a,b,c]` of values already written, each named by its range of bytes, in the order
    /// given: values written in one order and answered in another (`PageWriter`).
    func array(ofSegments segments: [Range<Int>]) -> ByteBuffer {
        var array = ByteBuffer()
        array.reserveCapacity(segments.reduce(2 + max(segments.count - 1, 0)) { $0 + $1.count })
        array.writeInteger(UInt8(ascii: "["))
        for (index, segment) in segments.enumerated() {
            precondition(segment.lowerBound >= 0 && segment.upperBound <= count, "a segment of what was written")
            if index > 0 { array.writeInteger(UInt8(ascii: ",")) }
            array.writeBytes(UnsafeBufferPointer(start: start + segment.lowerBound, count: segment.count))
        }
        array.writeInteger(UInt8(ascii: "]"))
        return array
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: count + 1) }
        start[count] = byte
        count += 1
    }

    @inline(__always)
    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if count + bytes.count > capacity { grow(toHold: count + bytes.count) }
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    private mutating func grow(toHold needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    /// Punctuation and keys known when the code is written: `{"id":`.
    mutating func raw(_ text: StaticString) {
        // (`withUTF8Buffer`, not `utf8Start`: a one-character literal may be stored as a scalar.)
        text.withUTF8Buffer { append($0) }
    }

    mutating func int(_ value: Int) {
        // Digits written last first into a scratch buffer on the stack: no `String` per number.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                first -= 1
                digits[first] = UInt8(ascii: "-")
            }
            append(UnsafeBufferPointer(rebasing: digits[first...]))
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
        append(UInt8(ascii: "\""))
        // Strings read from the database are native UTF-8, readable in place; others are copied.
        if value.utf8.withContiguousStorageIfAvailable({ escaped($0) }) == nil {
            var copy = value
            copy.withUTF8 { escaped($0) }
        }
        append(UInt8(ascii: "\""))
    }

    /// Text handed over as UTF-8 bytes (a database column's), without making a `String` of it.
    /// Bytes that are not UTF-8 (another program may have written the file) are repaired as
    /// `String(decoding:as:)` repairs them, so the answer is always valid JSON.
    mutating func string(utf8 text: UnsafeBufferPointer<UInt8>) {
        guard Self.isUTF8(text) else { return string(String(decoding: text, as: UTF8.self)) }
        append(UInt8(ascii: "\""))
        escaped(text)
        append(UInt8(ascii: "\""))
    }

    private static func isUTF8(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if text.allSatisfy({ $0 < 0x80 }) { return true }
        return !transcode(text.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true) { _ in }
    }

    /// The bytes of a string's text, escaped for JSON.
    private mutating func escaped(_ text: UnsafeBufferPointer<UInt8>) {
        // Most text needs no escaping: copy runs of plain bytes whole.
        var runStart = 0
        for index in text.indices {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeBufferPointer(rebasing: text[runStart..<index]))
            escape(byte)
            runStart = index + 1
        }
        append(UnsafeBufferPointer(rebasing: text[runStart...]))
    }

    /// A time as a JSON string in the wire form (`WireTime`).
    mutating func timestamp(_ date: Date) {
        append(UInt8(ascii: "\""))
        if count + WireTime.length > capacity { grow(toHold: count + WireTime.length) }
        WireTime.write(date, into: UnsafeMutableRawBufferPointer(start: start + count, count: WireTime.length))
        count += WireTime.length
        append(UInt8(ascii: "\""))
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
            append(Self.hexDigits[Int(byte >> 4)])
            append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    /// The written JSON as a response.
    func response(status: HTTPStatus = .ok) -> Response {
        .json(buffer, status: status)
    }
}

/// A wire type that writes its own JSON (see `JSONWriter`).
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension JSONWritable {
    /// This value's JSON as a response; `capacity` is what the writer starts with.
    func response(capacity: Int, status: HTTPStatus = .ok) -> Response {
        var json = JSONWriter(capacity: capacity)
        write(to: &json)
        return json.response(status: status)
    }
}

extension Response {
    /// JSON already written (`JSONWriter`, `PageWriter`, the guest inbox's builder) as a response.
    static func json(_ body: ByteBuffer, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(buffer: body))
    }
}
