/// The payload in one mode: its mode indicator, character count and packed characters.
/// One segment per symbol keeps the encoder simple; mixing modes would save a few bits
/// on mixed text, which links do not need.
struct Segment {
    let mode: EncodingMode
    /// The ECI designator announcing the character set, when there is one to announce.
    /// Byte mode's default is ISO 8859-1, and readers guess among it, Shift JIS and UTF-8
    /// (zbar reads UTF-8 "Invité" as Shift JIS), so non-ASCII text says "UTF-8" (ECI 26).
    /// ASCII text, links included, needs no ECI and does not get one.
    let eci: Int?
    /// Characters for numeric and alphanumeric mode, bytes for byte mode.
    let characterCount: Int
    /// The packed characters, without indicator and count.
    let data: BitBuffer

    init(text: String) {
        let bytes = Array(text.utf8)
        mode = EncodingMode.densest(for: text)
        eci = mode == .byte && bytes.contains { $0 >= 0x80 } ? Self.utf8Designator : nil
        characterCount = bytes.count
        var data = BitBuffer()
        switch mode {
        case .numeric:
            // Groups of three digits in 10 bits; a last group of two in 7, of one in 4.
            for start in stride(from: 0, to: bytes.count, by: 3) {
                let group = bytes[start..<min(start + 3, bytes.count)]
                let value = group.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                data.append(value, length: group.count * 3 + 1)
            }
        case .alphanumeric:
            // Pairs as 45 × first + second in 11 bits; a last single character in 6.
            let values = bytes.map { EncodingMode.alphanumericValue(of: $0)! }
            for start in stride(from: 0, to: values.count, by: 2) {
                if start + 1 < values.count {
                    data.append(values[start] * 45 + values[start + 1], length: 11)
                } else {
                    data.append(values[start], length: 6)
                }
            }
        case .byte:
            for byte in bytes { data.append(Int(byte), length: 8) }
        }
        self.data = data
    }

    static let utf8Designator = 26

    /// Bits the segment takes in `version` (ECI header, indicator, count and data), or nil
    /// when its character count does not fit the count field of that version.
    func bitLength(version: Int) -> Int? {
        let countBits = mode.characterCountBits(version: version)
        guard characterCount < 1 << countBits else { return nil }
        return (eci == nil ? 0 : 4 + 8) + 4 + countBits + data.count
    }

    /// The segment as it opens the data stream: the ECI header (mode 0111 and a one-byte
    /// designator, enough for designators below 128), then mode indicator, count and data.
    func write(to stream: inout BitBuffer, version: Int) {
        if let eci {
            stream.append(0b0111, length: 4)
            stream.append(eci, length: 8)
        }
        stream.append(mode.indicator, length: 4)
        stream.append(characterCount, length: mode.characterCountBits(version: version))
        stream.append(contentsOf: data)
    }
}
