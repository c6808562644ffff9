/// Reed–Solomon error correction over GF(256) as QR codes use it: the field is built on the
/// primitive polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), and the generator polynomial of degree
/// n is (x − α⁰)(x − α¹)…(x − αⁿ⁻¹) with α = 2.
enum ReedSolomon {
    /// αⁱ for i in 0..<255, repeated once so that `exp[log a + log b]` needs no modulo.
    private static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            table[power + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    private static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 { table[Int(exp[power])] = power }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }

    /// The generator polynomial's coefficients, highest power first, leading 1 included
    /// (degree 7: 1, α⁸⁷, α²²⁹, α¹⁴⁶, α¹⁴⁹, α²³⁸, α¹⁰², α²¹).
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for root in 0..<degree {
            // Multiply by (x + αʳᵒᵒᵗ); in GF(2⁸) subtraction is addition (XOR).
            var product = polynomial + [0]
            for index in polynomial.indices {
                product[index + 1] ^= multiply(polynomial[index], exp[root])
            }
            polynomial = product
        }
        return polynomial
    }

    /// The `count` error-correction codewords of `data`: the remainder of data·xⁿ divided by
    /// the generator, computed as a linear-feedback shift register.
    static func errorCorrection(for data: [UInt8], count: Int) -> [UInt8] {
        let divisor = Array(generator(degree: count).dropFirst())
        var remainder = [UInt8](repeating: 0, count: count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            if factor != 0 {
                for index in 0..<count { remainder[index] ^= multiply(divisor[index], factor) }
            }
        }
        return remainder
    }
}
