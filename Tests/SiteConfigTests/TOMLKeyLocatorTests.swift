import SiteConfig
import Testing

@Suite struct TOMLKeyLocatorTests {
    @Test func tablesArraysOfTablesAndKeys() {
        let locator = TOMLKeyLocator(
            text: """
                title = "x"
                [site]
                name = "a"

                [[meters]]
                id = "M1"
                [[meters]]
                id = "M2"
                unit_id = 2
                [[profiles]]
                name = "p"
                [[profiles.fields]]
                address = 1
                [[profiles.fields]]
                address = 2
                [[profiles]]
                name = "q"
                [[profiles.fields]]
                address = 3
                """)
        #expect(locator.line(of: "title") == 1)
        #expect(locator.line(of: "site") == 2)
        #expect(locator.line(of: "site.name") == 3)
        #expect(locator.line(of: "meters") == 5)
        #expect(locator.line(of: "meters[0]") == 5)
        #expect(locator.line(of: "meters[0].id") == 6)
        #expect(locator.line(of: "meters[1]") == 7)
        #expect(locator.line(of: "meters[1].unit_id") == 9)
        #expect(locator.line(of: "profiles[0].fields[0].address") == 13)
        #expect(locator.line(of: "profiles[0].fields[1]") == 14)
        #expect(locator.line(of: "profiles[0].fields[1].address") == 15)
        #expect(locator.line(of: "profiles[1].name") == 17)
        #expect(locator.line(of: "profiles[1].fields[0].address") == 19)
        #expect(locator.line(of: "profiles[1].fields[1]") == nil)
    }

    @Test func subTableOfAnArrayElement() {
        let locator = TOMLKeyLocator(
            text: """
                [[saon]]
                id = "S1"
                [[saon]]
                id = "S2"
                [saon.map]
                armed = "di:3"
                """)
        #expect(locator.line(of: "saon[1].map") == 5)
        #expect(locator.line(of: "saon[1].map.armed") == 6)
        #expect(locator.line(of: "saon[0].map") == nil)
    }

    @Test func missingKeysFallBackToTheirTable() {
        let locator = TOMLKeyLocator(text: "\n\n[[meters]]\nid = 1\n[[meters]]\n")
        #expect(locator.nearestLine(for: "meters[1].unit_id") == 5)
        #expect(locator.nearestLine(for: "meters[0].id") == 4)
        #expect(locator.nearestLine(for: "site.name") == 1)
    }

    @Test func multiLineArraysAndTheirElements() {
        let locator = TOMLKeyLocator(
            text: """
                [api]
                scopes = [
                    "a", # a comment with key = "value"
                    "b",

                    [1, 2], "c",
                ]
                after = 1
                """)
        #expect(locator.line(of: "api.scopes") == 2)
        #expect(locator.line(of: "api.scopes[0]") == 3)
        #expect(locator.line(of: "api.scopes[1]") == 4)
        #expect(locator.line(of: "api.scopes[2]") == 6)
        #expect(locator.line(of: "api.scopes[2][1]") == 6)
        #expect(locator.line(of: "api.scopes[3]") == 6)
        #expect(locator.line(of: "api.after") == 8)
        #expect(locator.line(of: "api.key") == nil)
    }

    @Test func multiLineStringsHideWhatLooksLikeKeys() {
        let locator = TOMLKeyLocator(
            text: #"""
                a = """
                [[meters]]
                fake = 1 \
                \"""
                """
                b = '''
                [site]
                x = ''''
                c = "quote \" [[not]] # not a comment"
                d = 'literal # ' # comment
                e = 2
                """#)
        #expect(locator.line(of: "a") == 1)
        #expect(locator.line(of: "b") == 6)
        #expect(locator.line(of: "c") == 9)
        #expect(locator.line(of: "d") == 10)
        #expect(locator.line(of: "e") == 11)
        #expect(locator.line(of: "meters") == nil)
        #expect(locator.line(of: "fake") == nil)
        #expect(locator.line(of: "site") == nil)
        #expect(locator.line(of: "x") == nil)
        #expect(locator.line(of: "not") == nil)
    }

    @Test func commentsAreSkipped() {
        let locator = TOMLKeyLocator(
            text: """
                # [[meters]]
                #id = 1
                [site] # [other]
                  # name = "no"
                name = "yes" # timezone = "x"
                """)
        #expect(locator.lines == ["site": 3, "site.name": 5])
    }

    @Test func quotedAndDottedKeys() {
        let locator = TOMLKeyLocator(
            text: """
                [ "odd table" . inner ]
                "a b" = 1
                'lit.eral' = 2
                site.name = "x"
                "quote\\"d" = 3
                [a."b.c"]
                k = 1
                """)
        #expect(locator.line(of: #""odd table".inner"#) == 1)
        #expect(locator.line(of: #""odd table".inner."a b""#) == 2)
        #expect(locator.line(of: #""odd table".inner."lit.eral""#) == 3)
        #expect(locator.line(of: #""odd table".inner.site"#) == 4)
        #expect(locator.line(of: #""odd table".inner.site.name"#) == 4)
        #expect(locator.line(of: #""odd table".inner."quote\"d""#) == 5)
        #expect(locator.line(of: ConfigPath([.key("a"), .key("b.c"), .key("k")])) == 7)
    }

    @Test func inlineTables() {
        let locator = TOMLKeyLocator(
            text: """
                [[saon]]
                map = { armed = "di:1", stage_tripped = ["di:10",
                  "di:11"], nested = { x = 1 } }
                tokens = [
                  { name = "a", scopes = ["admin"] },
                  { name = "b" },
                ]
                """)
        #expect(locator.line(of: "saon[0].map") == 2)
        #expect(locator.line(of: "saon[0].map.armed") == 2)
        #expect(locator.line(of: "saon[0].map.stage_tripped[1]") == 3)
        #expect(locator.line(of: "saon[0].map.nested.x") == 3)
        #expect(locator.line(of: "saon[0].tokens[0].name") == 5)
        #expect(locator.line(of: "saon[0].tokens[0].scopes[0]") == 5)
        #expect(locator.line(of: "saon[0].tokens[1].name") == 6)
    }

    @Test func crlfAndBrokenTextNeverTrap() {
        let locator = TOMLKeyLocator(text: "[site]\r\nname = \"x\r\n[[meters\r\nid = [1, {a = \r\n'''")
        #expect(locator.line(of: "site.name") == 2)
        #expect(locator.line(of: "meters[0]") == 3)
        _ = TOMLKeyLocator(text: "\"\\")
        _ = TOMLKeyLocator(text: "a = \"\"\"\\")
        _ = TOMLKeyLocator(text: "[[")
        _ = TOMLKeyLocator(text: "= = = ]]] }}")
    }

    @Test func pathRendering() {
        let path = ConfigPath.root.appending("profiles").appending(index: 0).appending("fields").appending(index: 3)
            .appending("address")
        #expect(path.description == "profiles[0].fields[3].address")
        #expect(ConfigPath("profiles[0].fields[3].address") == path)
        #expect(ConfigPath.root.appending("a b").appending("c").description == #""a b".c"#)
        #expect(path.parent.description == "profiles[0].fields[3]")
    }
}
