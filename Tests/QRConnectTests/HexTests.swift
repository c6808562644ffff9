import Crypto
import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Hashes already stored (access keys, guest tokens, claim codes) must keep matching: the
/// service's hex writes exactly the text Vapor's `.hex` wrote before it.
@Suite struct HexTests {
    @Test func hexIsVaporsHexForDigestsAndBytes() {
        var random = SeededRandom(seed: 4821)
        for length in 0...64 {
            // setup
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let digest = SHA256.hash(data: bytes)

            // check
            #expect(bytes.lowercaseHex == bytes.hex, "\(bytes)")
            #expect(Data(bytes).prefix(16).lowercaseHex == Data(bytes).prefix(16).hex)
            #expect(digest.lowercaseHex == digest.hex)
        }
        #expect([0x00, 0x09, 0x0A, 0x0F, 0x10, 0x9F, 0xA0, 0xFF].lowercaseHex == "00090a0f109fa0ff")
    }

    @Test func aSecretsHashIsItsSHA256InLowercaseHex() {
        #expect(SecretToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
