import Foundation
import Storage
import Testing

@Suite struct LockFileTests {
    @Test func aSecondLockOnTheSameFileIsRefusedAsHeldUntilTheFirstIsReleased() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("schakeld.lock")
        let first = try LockFile(path: path)
        // flock belongs to the open file description, so a second open in this process conflicts like a second
        // process would.
        do {
            _ = try LockFile(path: path)
            Issue.record("the second lock was granted while the first was held")
        } catch let error as LockFileError {
            #expect(error.isHeld, "\(error)")
            #expect(error.description.contains(path))
        }
        first.release()
        first.release()  // idempotent
        let again = try LockFile(path: path)
        again.release()
    }

    @Test func aLockFileIsCreatedPrivate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("schakeld.lock")
        let lock = try LockFile(path: path)
        defer { lock.release() }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aLockInAMissingDirectoryIsAnErrorThatIsNotHeld() throws {
        do {
            _ = try LockFile(path: "/nonexistent-\(UUID().uuidString)/schakeld.lock")
            Issue.record("a lock in a missing directory was granted")
        } catch let error as LockFileError {
            #expect(!error.isHeld)
            #expect(error.operation == "open")
        }
    }
}
