/// A QR Code Model 2 symbol (ISO/IEC 18004): a square of dark and light modules, ready to
/// render. Made from text with `QRSymbol(encoding:errorCorrection:)`, which picks the mode,
/// the smallest version that holds the text, and the mask with the lowest penalty.
public struct QRSymbol: Sendable, Equatable {
    /// 1...40; the symbol is `17 + 4 × version` modules on a side.
    public let version: Int
    public let errorCorrection: ErrorCorrectionLevel
    /// How the text was packed.
    public let mode: EncodingMode
    /// The data mask applied, 0...7.
    public let mask: Int
    /// Modules per side, without the quiet zone.
    public let size: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        /// The text does not fit even a version 40 symbol at this level.
        case dataTooLong(bits: Int, level: ErrorCorrectionLevel)

        public var description: String {
            switch self {
            case .dataTooLong(let bits, let level):
                "the text needs \(bits) bits, more than a version 40-\(level.rawValue) QR code holds"
            }
        }
    }

    /// Encodes `text` in the densest single mode that holds it (numeric, alphanumeric, or
    /// UTF-8 bytes), in the smallest version from `minimumVersion` up that fits.
    public init(encoding text: String, errorCorrection: ErrorCorrectionLevel = .medium, minimumVersion: Int = 1) throws {
        precondition(VersionTable.versions.contains(minimumVersion), "minimumVersion must be 1...40")
        let segment = Segment(text: text)
        guard let version = (minimumVersion...40).first(where: { version in
            guard let bits = segment.bitLength(version: version) else { return false }
            return bits <= VersionTable.dataCodewords(of: version, errorCorrection) * 8
        }) else {
            throw EncodingError.dataTooLong(bits: segment.bitLength(version: 40) ?? Int.max, level: errorCorrection)
        }
        let data = Codewords.data(segment, version: version, level: errorCorrection)
        self.init(codewords: Codewords.interleaved(data, version: version, level: errorCorrection),
                  version: version, errorCorrection: errorCorrection, mode: segment.mode, mask: nil)
    }

    /// Lays out final (interleaved) codewords. With `mask` nil, tries all eight and keeps the
    /// one the penalty rules score lowest (the first on a tie).
    init(codewords: [UInt8], version: Int, errorCorrection: ErrorCorrectionLevel, mode: EncodingMode, mask: Int?) {
        var matrix = ModuleMatrix(version: version)
        matrix.place(codewords)
        func masked(_ pattern: MaskPattern) -> ModuleMatrix {
            var candidate = matrix
            candidate.apply(pattern)
            candidate.drawFormatInformation(BCHCode.formatInformation(errorCorrection, mask: pattern.reference))
            return candidate
        }
        let chosen: ModuleMatrix
        let reference: Int
        if let mask {
            chosen = masked(MaskPattern(reference: mask))
            reference = mask
        } else {
            let candidates = MaskPattern.all.map(masked)
            let penalties = candidates.map(MaskPenalty.score)
            let best = penalties.indices.min { penalties[$0] < penalties[$1] }!
            chosen = candidates[best]
            reference = MaskPattern.all[best].reference
        }
        self.version = version
        self.errorCorrection = errorCorrection
        self.mode = mode
        self.mask = reference
        self.size = chosen.size
        self.modules = chosen.dark
    }

    /// Whether the module at `column`, `row` (0-based, from the top left) is dark.
    public func isDark(column: Int, row: Int) -> Bool {
        modules[row * size + column]
    }
}
