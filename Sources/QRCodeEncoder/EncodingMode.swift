/// The character sets a QR segment can use. The denser the set, the fewer bits per character:
/// numeric packs 3 digits in 10 bits, alphanumeric 2 characters in 11 bits, byte 8 bits each.
public enum EncodingMode: Sendable, Equatable {
    case numeric
    case alphanumeric
    case byte

    /// The 45 characters of alphanumeric mode, in the order of their values 0...44.
    static let alphanumericCharacters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// The densest mode that can hold every character of `text`. Byte mode holds anything
    /// (as UTF-8), so upper-case links (`HTTPS://…/Q/…`) land in alphanumeric mode and
    /// lower-case ones in byte mode.
    static func densest(for text: String) -> EncodingMode {
        let bytes = text.utf8
        if bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return .numeric }
        if bytes.allSatisfy({ alphanumericValue(of: $0) != nil }) { return .alphanumeric }
        return .byte
    }

    static func alphanumericValue(of byte: UInt8) -> Int? {
        alphanumericCharacters.firstIndex(of: byte)
    }

    /// The 4-bit mode indicator that opens a segment.
    var indicator: Int {
        switch self {
        case .numeric: 0b0001
        case .alphanumeric: 0b0010
        case .byte: 0b0100
        }
    }

    /// Width of the character count field, which grows with the version (ISO/IEC 18004 Table 3).
    func characterCountBits(version: Int) -> Int {
        let band = version <= 9 ? 0 : version <= 26 ? 1 : 2
        switch self {
        case .numeric: return [10, 12, 14][band]
        case .alphanumeric: return [9, 11, 13][band]
        case .byte: return [8, 16, 16][band]
        }
    }
}
