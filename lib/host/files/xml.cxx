// SPDX-License-Identifier: GPL-2.0-or-later
#include "host/files/xml.hxx"

#include <expat.h>
#include <limits>
#include <memory>

namespace gpaudit::host {

namespace {

struct ParserFree {
    void operator()(XML_ParserStruct *parser) const { XML_ParserFree(parser); }
};

struct State {
    XML_Parser parser = nullptr;
    std::string_view parent;
    const std::set<std::string> *names = nullptr;
    std::map<std::string, std::string> found;
    long depth = 0;
    long parentDepth = -1;   // depth of the parent element while inside it
    bool parentDone = false; // the first parent element has closed: nothing more to read
    std::string capturing;   // the child being read (empty: none)
    std::string stopped;     // why the parse was stopped by us
};

std::string_view localName(const XML_Char *name)
{
    std::string_view view(name);
    const auto colon = view.rfind(':');
    return colon == std::string_view::npos ? view : view.substr(colon + 1);
}

void XMLCALL onStart(void *data, const XML_Char *name, const XML_Char ** /*attributes*/)
{
    auto &s = *static_cast<State *>(data);
    ++s.depth;
    const auto local = localName(name);
    if (s.parentDepth < 0 && !s.parentDone && local == s.parent) {
        s.parentDepth = s.depth;
        return;
    }
    if (s.parentDepth >= 0 && s.depth == s.parentDepth + 1 && s.names->contains(std::string(local)) &&
        !s.found.contains(std::string(local))) {
        s.capturing = std::string(local);
        s.found[s.capturing];
    }
}

void XMLCALL onEnd(void *data, const XML_Char * /*name*/)
{
    auto &s = *static_cast<State *>(data);
    if (s.parentDepth >= 0 && s.depth == s.parentDepth + 1)
        s.capturing.clear();
    if (s.depth == s.parentDepth) {
        s.parentDepth = -1;
        s.parentDone = true;
    }
    --s.depth;
}

void XMLCALL onText(void *data, const XML_Char *text, int length)
{
    auto &s = *static_cast<State *>(data);
    // Only the child's own text: not that of elements nested in it.
    if (s.capturing.empty() || s.depth != s.parentDepth + 1)
        return;
    auto &value = s.found[s.capturing];
    if (value.size() + static_cast<std::size_t>(length) > kMaxXmlValue) {
        s.stopped = "element " + s.capturing + " is longer than " + std::to_string(kMaxXmlValue) + " bytes";
        XML_StopParser(s.parser, XML_FALSE);
        return;
    }
    value.append(text, static_cast<std::size_t>(length));
}

void XMLCALL onDoctype(void *data, const XML_Char * /*name*/, const XML_Char * /*systemId*/,
                       const XML_Char * /*publicId*/, int /*hasInternalSubset*/)
{
    auto &s = *static_cast<State *>(data);
    s.stopped = "a document type declaration (DTD) is not accepted";
    XML_StopParser(s.parser, XML_FALSE);
}

} // namespace

Result<std::map<std::string, std::string>> xmlChildTexts(std::string_view xml, const std::string &label,
                                                         std::string_view parent, const std::set<std::string> &names)
{
    if (xml.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return fail("XML document too large", {label, 0, 0});
    const std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate("UTF-8"));
    if (!parser)
        return fail("cannot create an XML parser (out of memory)", {label, 0, 0});
    State state;
    state.parser = parser.get();
    state.parent = parent;
    state.names = &names;
    XML_SetUserData(parser.get(), &state);
    XML_SetElementHandler(parser.get(), onStart, onEnd);
    XML_SetCharacterDataHandler(parser.get(), onText);
    XML_SetStartDoctypeDeclHandler(parser.get(), onDoctype);
    XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
    if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) {
        const auto line = static_cast<std::uint32_t>(XML_GetCurrentLineNumber(parser.get()));
        const auto column = static_cast<std::uint32_t>(XML_GetCurrentColumnNumber(parser.get()) + 1);
        if (!state.stopped.empty())
            return fail(state.stopped, {label, line, column});
        return fail(std::string("not well-formed XML: ") + XML_ErrorString(XML_GetErrorCode(parser.get())),
                    {label, line, column});
    }
    return std::move(state.found);
}

} // namespace gpaudit::host
