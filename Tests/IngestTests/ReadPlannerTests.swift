import Ingest
import Metering
import Testing

@Suite struct ReadPlannerTests {
    @Test func sdm630MergesIntoTwoReads() {
        let reads = ReadPlanner.plan(fields: DeviceProfile.sdm630.fields, maxRegisters: 125, holeFill: 8)
        #expect(reads.count == 2)
        #expect(reads[0].address == 0 && reads[0].count == 18)
        #expect(reads[1].address == 0x34 && reads[1].lastAddress == 0x4B)
        #expect(reads.flatMap(\.fields).count == DeviceProfile.sdm630.fields.count)
    }

    @Test func capAndHoleFillAreRespected() {
        let all = ReadPlanner.plan(fields: DeviceProfile.sdm630.fields, maxRegisters: 125, holeFill: 100)
        #expect(all.count == 1)
        #expect(all[0].count == 0x4C)
        let capped = ReadPlanner.plan(fields: DeviceProfile.sdm630.fields, maxRegisters: 50, holeFill: 100)
        #expect(capped.allSatisfy { $0.count <= 50 })
        #expect(capped.count == 2)
        let noHoles = ReadPlanner.plan(fields: DeviceProfile.sdm630.fields, maxRegisters: 125, holeFill: 0)
        #expect(noHoles.count == 4)
    }

    @Test func everyBuiltInProfileIsCoveredExactlyOnce() {
        for (name, profile) in DeviceProfile.builtIn {
            let reads = ReadPlanner.plan(fields: profile.fields)
            #expect(reads.flatMap(\.fields).count == profile.fields.count, "\(name)")
            for r in reads {
                #expect(r.count <= r.space.maxReadCount, "\(name)")
                for f in r.fields { #expect(f.address >= r.address && f.lastAddress <= r.lastAddress, "\(name)") }
            }
        }
    }

    @Test func splitCutsAtTheWidestGap() {
        let read = ReadPlanner.plan(fields: DeviceProfile.sdm630.fields, maxRegisters: 125, holeFill: 100)[0]
        let (a, b) = read.split()!
        #expect(a.lastAddress < b.address)
        #expect(a.fields.count + b.fields.count == read.fields.count)
        #expect(a.lastAddress == 0x11)
        #expect(b.address == 0x34)
        let single = PlannedRead.covering([DeviceProfile.sdm630.fields[0]])
        #expect(single.split() == nil)
    }
}
