/// How much of a symbol may be lost and still be read: roughly 7 %, 15 %, 25 % and 30 % of
/// its codewords (ISO/IEC 18004 levels L, M, Q and H). More correction means a larger symbol.
public enum ErrorCorrectionLevel: String, CaseIterable, Sendable {
    case low = "L"
    case medium = "M"
    case quartile = "Q"
    case high = "H"

    /// The two bits the format information carries for this level. They are not in the
    /// order of strength (L=01, M=00, Q=11, H=10): the standard chose them so.
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }

    /// The row of the block-structure tables (which list L, M, Q, H in that order).
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }
}
