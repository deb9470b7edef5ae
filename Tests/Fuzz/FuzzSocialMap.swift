import Foundation
import SocialMap

/// libFuzzer target: the social-map loader. A broken map must be an error with a path,
/// never a crash, whatever the file holds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSocialMap(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    if let map = try? SocialMap(data: data) {
        for contact in map.contacts.values {
            _ = map.knows(principal: contact.id)
        }
    }
    return 0
}
