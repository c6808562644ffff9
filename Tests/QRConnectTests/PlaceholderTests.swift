import Testing
import VaporTesting
@testable import QRConnect
@Test func placeholderTest() { #expect(true) }
