#include "adapters/xml.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// A CloudFormation query answer: nested members, namespaces and text are read.
TEST(XmlTest, ReadsAQueryProtocolAnswer) {
  auto doc = parseXml(R"(<?xml version="1.0"?>
<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>demoSessionManager</StackName>
    <Outputs><member><OutputKey>ApiPath</OutputKey><OutputValue>/prod</OutputValue></member></Outputs>
  </member></Stacks></DescribeStacksResult>
</DescribeStacksResponse>)");
  ASSERT_TRUE(doc.isOk()) << doc.status().toString();
  const XmlElement* stack = doc->find({"DescribeStacksResult", "Stacks", "member"});
  ASSERT_NE(stack, nullptr);
  EXPECT_EQ(stack->childText("StackName"), "demoSessionManager");
  EXPECT_EQ(stack->find({"Outputs", "member"})->childText("OutputValue"), "/prod");
  EXPECT_EQ(*doc->attribute("xmlns"), "http://cloudformation.amazonaws.com/doc/2010-05-15/");
  EXPECT_EQ(stack->text, "");  // whitespace between children is dropped
}

// Predefined entities, numeric references and CDATA decode to the characters.
TEST(XmlTest, DecodesEntitiesAndCdata) {
  auto doc =
      parseXml("<a t='&quot;x&apos;'>&lt;b&gt; &amp; &#233;&#x20AC;<![CDATA[<raw>&amp;]]></a>");
  ASSERT_TRUE(doc.isOk()) << doc.status().toString();
  EXPECT_EQ(doc->text, "<b> & \xC3\xA9\xE2\x82\xAC<raw>&amp;");
  EXPECT_EQ(*doc->attribute("t"), "\"x'");
}

// Prefixed names are matched by their local name.
TEST(XmlTest, MatchesLocalNames) {
  auto doc = parseXml("<s:Envelope xmlns:s='u'><s:Body><v>1</v></s:Body></s:Envelope>");
  ASSERT_TRUE(doc.isOk());
  EXPECT_EQ(doc->localName(), "Envelope");
  EXPECT_EQ(doc->find({"Body", "v"})->text, "1");
}

// Comments and processing instructions are skipped anywhere.
TEST(XmlTest, SkipsCommentsAndInstructions) {
  auto doc = parseXml("<!-- c --><?pi x?><a><!-- in --><b/><?p?></a><!-- after -->");
  ASSERT_TRUE(doc.isOk()) << doc.status().toString();
  EXPECT_EQ(doc->children.size(), 1u);
}

// Malformed documents are refused with an error, never a partial tree.
TEST(XmlTest, RefusesMalformedDocuments) {
  for (const char* bad : {"", "text", "<a>", "<a></b>", "<a><b></a></b>", "<a x='1' x='2'/>",
                          "<a x=1/>", "<a>&unknown;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>",
                          "<a>&#99999999;</a>", "<a/><b/>", "<a><!-- x</a>", "<a><![CDATA[x</a>",
                          "<1a/>", "<a b='<'/>", "<a>&amp</a>", "<a x='1'y='2'/>"}) {
    EXPECT_FALSE(parseXml(bad).isOk()) << bad;
  }
}

// A DOCTYPE is refused: no entity declarations, hence no expansion attacks.
TEST(XmlTest, RefusesDoctype) {
  auto doc = parseXml("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>");
  ASSERT_FALSE(doc.isOk());
  EXPECT_NE(doc.status().message().find("DTD"), std::string::npos);
}

// Nesting beyond the limit fails instead of exhausting the stack.
TEST(XmlTest, BoundsNesting) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "<a>";
  for (int i = 0; i < 200; ++i) deep += "</a>";
  EXPECT_FALSE(parseXml(deep).isOk());
  XmlLimits loose;
  loose.max_depth = 500;
  EXPECT_TRUE(parseXml(deep, loose).isOk());
}

// The element count is bounded too: tiny elements cost far more memory
// than their bytes.
TEST(XmlTest, BoundsElements) {
  std::string many = "<r>";
  for (int i = 0; i < 100; ++i) many += "<a/>";
  many += "</r>";
  XmlLimits few;
  few.max_elements = 100;
  auto refused = parseXml(many, few);
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("more elements than the limit"), std::string::npos)
      << refused.status().message();
  few.max_elements = 101;
  EXPECT_TRUE(parseXml(many, few).isOk());
}

// Oversized input is refused before parsing.
TEST(XmlTest, BoundsSize) {
  XmlLimits small;
  small.max_bytes = 10;
  EXPECT_FALSE(parseXml("<a>0123456789</a>", small).isOk());
}

// Writing escapes text and attributes, and a written document reads back equal.
TEST(XmlTest, WritesAndReadsBack) {
  XmlElement root;
  root.name = "DistributionConfig";
  root.attributes.emplace_back("xmlns", "http://cloudfront.amazonaws.com/doc/2020-05-31/");
  root.add("Comment", "a < b & \"c\"");
  XmlElement& origins = root.add("Origins");
  origins.add("Quantity", "0");
  root.add("Empty");
  std::string text = writeXml(root);
  EXPECT_NE(text.find("<Comment>a &lt; b &amp; &quot;c&quot;</Comment>"), std::string::npos);
  EXPECT_NE(text.find("<Empty/>"), std::string::npos);
  auto back = parseXml(text);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(back->childText("Comment"), "a < b & \"c\"");
  EXPECT_EQ(back->find({"Origins", "Quantity"})->text, "0");
  EXPECT_EQ(writeXml(*back), text);
}

}  // namespace
}  // namespace barrier
