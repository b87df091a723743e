"""The POL-* checks read clauses by meaning, tested on real sentences.

Each case names CAPP-130 policy sentences by a short key; the whole sentence is read from
../shared at test time (never copied), put into a policy of its own and audited. Families:
negation and condition scope, promises, who acts, modality, the address book against contact
persons and customer-service records, completeness that names what is missing.
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import UTC, datetime
from functools import cache

import pytest
from tests.conftest import SHARED

from lendguard.engine import evaluate
from lendguard.evidence import Clause, PolicyEvidence, Provenance
from lendguard.findings import Finding, Outcome
from lendguard.probes.policy import segment
from lendguard.probes.policy.router import router
from lendguard.rulebase import RuleBase

ORIGINALS = SHARED / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"
VIODROID = SHARED / "datasets" / "VioDroid-Finder" / "labelled_dataset.csv"


@cache
def _sentences(policy: str) -> tuple[str, ...]:
    text = (ORIGINALS / policy).read_text(encoding="utf-8").replace("\r\n", "\n")
    return tuple(text[start:end] for start, end, _ in segment(text))


def _sentence(policy: str, key: str) -> str:
    """The whole sentence of a CAPP-130 policy that contains `key` (whitespace ignored)."""
    flat = re.sub(r"\s", "", key)
    found = [s for s in _sentences(policy) if flat in re.sub(r"\s", "", s)]
    assert found, f"{policy}: no sentence contains {key!r}"
    return found[0]


def _evidence(text: str) -> PolicyEvidence:
    pieces = list(segment(text))
    topics = router().topics([text[start:end] for start, end, _ in pieces])
    clauses = tuple(
        Clause(index=i, start=start, end=end, heading=heading, text=text[start:end], topics=topics[i])
        for i, (start, end, heading) in enumerate(pieces)
    )
    provenance = Provenance(
        path="sentences.txt",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        size=len(text.encode()),
        tool="test",
        tool_version="0",
        collected_at=datetime.now(UTC),
    )
    return PolicyEvidence(provenance=provenance, source_kind="txt", entry=None, text=text, clauses=clauses)


def _failures(text: str, rule: str, rulebase: RuleBase) -> list[Finding]:
    findings, _ = evaluate(_evidence(text), "sentences.txt", rulebase, "zh")
    return [f for f in findings if f.rule == rule and f.outcome is Outcome.fail]


CASES = [
    # negation scope: the negation governs the verbs of its own sub-clause
    ("导数日.txt", ["不会共享或转让你的个人信息至「每日科技」外的第三方"], "POL-THIRDPARTY-VAGUE", False),
    ("国家反诈中心.txt", ["我们不会向任何无关第三方提供、出售、出租、分享或交易"], "POL-THIRDPARTY-VAGUE", False),
    ("中小学网络云平台.txt", ["且不会将该等信息向境外进行"], "POL-CROSS-BORDER", False),
    # condition and promise scope: "如需…将单独征得同意" promises, it does not transfer
    ("58同城.txt", ["如需跨境传输，我们将会单独征得您的授权同意"], "POL-CROSS-BORDER", False),
    ("建行.txt", ["确需向境外提供的，我行将在具备法定条件的前提下"], "POL-CROSS-BORDER", False),
    ("中国银行.txt", ["将作为交易信息的一部分被传输到境外"], "POL-CROSS-BORDER", True),
    ("邮储.txt", ["可能会被传输到境外机构用于业务处理"], "POL-CROSS-BORDER", True),
    # who acts: 您有权 is the user's right, 拼多多有权 the processor's
    ("中国银行.txt", ["若您不同意修改后的隐私政策，您有权并应立即停止使用"], "POL-UNILATERAL-CHANGE", False),
    ("拼多多.txt", ["拼多多有权根据业务发展的需要单方修订本政策"], "POL-UNILATERAL-CHANGE", True),
    (
        "中国移动.txt",
        ["我们会以通告的形式发布对本政策所做的任何变更", "若您继续使用我们的服务，即表示您同意接受修订后的"],
        "POL-UNILATERAL-CHANGE",
        True,
    ),
    ("工商.txt", ["并会在变更内容生效前以融e行移动端推送通知"], "POL-UNILATERAL-CHANGE", False),
    (
        "中国农业银行.txt",
        ["若不幸发生个人信息安全事件，我行将按照法律法规的要求及时采取有效补救措施"],
        "POL-BREACH-NOTICE",
        True,
    ),
    (
        "中国农业银行.txt",
        [
            "若不幸发生个人信息安全事件，我行将按照法律法规的要求及时采取有效补救措施",
            "我行将及时将事件相关情况以电子邮件",
        ],
        "POL-BREACH-NOTICE",
        False,
    ),
    # modality: clicking 同意 is consent; continued use deemed consent is not
    ("建行.txt", ["您点击“同意”并确认提交即视为您接受本个人信息保护政策"], "POL-DEEMED-CONSENT", False),
    ("京东.txt", ["如您在本政策更新生效后继续使用我们的服务，即代表您已充分阅读"], "POL-DEEMED-CONSENT", True),
    ("58同城.txt", ["您同意本隐私政策仅代表您已了解应用提供的功能"], "POL-DEEMED-CONSENT", False),
    ("12306.txt", ["一旦完成订购行为，即视为该实际订购人亦同意接受"], "POL-DEEMED-CONSENT", True),
    ("中国联通.txt", ["本隐私政策未载明的其他用途"], "POL-OVERBROAD-USE", False),
    ("国家反诈中心.txt", ["其他合法权益所合理必需的用途"], "POL-OVERBROAD-USE", True),
    (
        "工商.txt",
        ["我行可能将您的金融信息用于营销", "可拨打95588客服热线或通过我行指定的其他方式进行调整或退订"],
        "POL-OVERBROAD-USE",
        False,
    ),
    # the address book, contact persons and customer-service records are three things
    ("淘宝.txt", ["我们可能会保存您与我们的沟通、通信/通话记录及相关内容"], "POL-CONTACTS-COLLECT", False),
    ("58同城.txt", ["我们会记录您提供的联系方式和通信/通话记录和内容"], "POL-CONTACTS-COLLECT", False),
    ("工商.txt", ["我行仅获取您从通讯录中点选的联系人信息"], "POL-CONTACTS-COLLECT", False),
    ("工商.txt", ["我行仅获取您从通讯录中点选的联系人信息"], "POL-EMERGENCY-CONTACTS", False),
    ("中国银行.txt", ["我行将读取全部通讯录内容以匹配姓名和手机号"], "POL-CONTACTS-COLLECT", True),
    ("钉钉.txt", ["则您需授权我们访问并收集您的手机通讯录信息"], "POL-CONTACTS-COLLECT", True),
    ("京东.txt", ["我们将通过发送短信验证码或邮件的方式来验证您的身份是否有效"], "POL-CONTACTS-COLLECT", False),
    ("中国农业银行.txt", ["联系人信息（包括关系、姓名、手机号码）"], "POL-EMERGENCY-CONTACTS", True),
    ("中国农业银行.txt", ["联系人信息（包括关系、姓名、手机号码）"], "POL-CONTACTS-COLLECT", False),
    ("拼多多.txt", ["我们可能会收集您的联系人信息以方便您在购买商品"], "POL-EMERGENCY-CONTACTS", False),
    ("美团.txt", ["同行人信息、紧急联络人信息等"], "POL-EMERGENCY-CONTACTS", True),
    ("转转.txt", ["您需要向转转和第三方机构提供您的联系人信息"], "POL-EMERGENCY-MANDATORY", True),
    # separate consent: a rule gating every provision, not consent to the policy
    (
        "云闪付.txt",
        ["除非获得您的同意 ，我们不会向银联以外的任何公司", "我们可能会将您的个人信息提供给支持我们功能的服务提供商"],
        "POL-THIRDPARTY-CONSENT",
        False,
    ),
    ("云闪付.txt", ["我们可能会将您的个人信息提供给支持我们功能的服务提供商"], "POL-THIRDPARTY-CONSENT", True),
    ("中国联通.txt", ["我们亦会在将信息提供给授权合作伙伴前征得您的单独同意"], "POL-THIRDPARTY-CONSENT", True),
    ("建行.txt", ["数据接收方的名称或者姓名以及联系方式"], "POL-THIRDPARTY-VAGUE", False),
    ("美团.txt", ["我们可能会将您的个人信息共享给我们的合作伙伴"], "POL-THIRDPARTY-VAGUE", True),
    # sensitive data: separate consent and a statement of necessity and impact, about sensitive data
    (
        "中国农业银行.txt",
        [
            "我行会收集您的姓名、性别、国籍、职业、联系地址、身份证号码",
            "向您告知处理敏感个人信息的必要性以及对个人权益的影响",
        ],
        "POL-SENSITIVE",
        False,
    ),
    (
        "58同城.txt",
        [
            "我们会单独征得您的同意后进行处理",
            "个人敏感信息是指一旦泄露、非法提供或滥用可能危害人身和财产安全",
            "贷款用途、邮箱、紧急联系人信息",
        ],
        "POL-SENSITIVE",
        True,
    ),
    # bundling: the whole service, not the function the data serves
    ("数字人民币.txt", ["如您不提供前述信息或不同意我们记录您的前述信息，您将无法注册APP账号"], "POL-BUNDLED", True),
    ("电信营业厅.txt", ["如您不授权提供将无法使用人脸识别登录功能"], "POL-BUNDLED", False),
    ("建行生活.txt", ["缓存资源包等功能将无法使用"], "POL-BUNDLED", False),
    # open lists of data, not definitions or measures
    ("中国农业银行.txt", ["以及与您寻求服务相关的其他信息"], "POL-CATEGORIES", True),
    ("58同城.txt", ["个人敏感信息：指包括身份证件号码"], "POL-CATEGORIES", False),
    ("京东.txt", ["存储您的购物偏好或您购物车中的商品等数据"], "POL-CATEGORIES", False),
    # completeness: a period or the rule that fixes it; a channel; a number of days
    ("工商.txt", ["我行仅在本政策所述目的所必需期间"], "POL-RETENTION", False),
    ("建行.txt", ["如法律、行政法规规定的保存期限未届满"], "POL-RETENTION", True),
    ("美团.txt", ["我们将在15天内回复您的访问请求"], "POL-NO-RESPONSE-TIME", False),
    ("导数日.txt", ["并在验证你的用户身份后的三十天内予以回复"], "POL-NO-RESPONSE-TIME", True),
    ("建行.txt", ["我行使用了百度地图SDK，需要获取您的定位信息"], "POL-NO-SDK-LIST", False),
    ("美团.txt", ["不同版本的第三方SDK会有所不同"], "POL-NO-SDK-LIST", True),
    ("58同城.txt", ["我们的服务主要面向成年人"], "POL-MINORS", False),
    # found on CAPP-130 policies outside the annotated set
    ("醒图.txt", ["破产并购等引起的所有权变更等"], "POL-UNILATERAL-CHANGE", False),
    ("芒果TV.txt", ["有权修改个人信息保护政策并在修订生效前通过我方平台公告"], "POL-UNILATERAL-CHANGE", False),
    ("爱彼迎.txt", ["保留根据适用法律随时修改本隐私政策的权利"], "POL-UNILATERAL-CHANGE", True),
    ("百度.txt", ["我们会请求您对跨境转移个人信息的同意"], "POL-CROSS-BORDER", False),
    ("QQ.txt", ["我们不会对外提供上述信息，或者将其用于该功能以外的其他用途"], "POL-OVERBROAD-USE", False),
    ("梦幻新诛仙.txt", ["向您提供关于我们产品或服务的电子邮件、短信、资讯或通知"], "POL-CONTACTS-COLLECT", False),
    ("喜马拉雅.txt", ["我们将申请访问您的通讯录权限并收集相关通讯录信息"], "POL-CONTACTS-COLLECT", True),
    ("夸克.txt", ["如您不同意我们调用该权限，您将无法使用格式转换服务"], "POL-BUNDLED", False),
    ("一念逍遥.txt", ["如您拒绝授权上述权限将导致您无法使用本游戏"], "POL-BUNDLED", True),
    ("中国移动.txt", ["联系电话：10086"], "POL-PROCESSOR", True),
    ("中国移动.txt", ["可以随时拨打客服电话10086"], "POL-COMPLAINT", False),
]


@pytest.mark.parametrize(("policy", "keys", "rule", "fires"), CASES)
def test_clause_meaning_on_real_sentences(
    policy: str, keys: list[str], rule: str, fires: bool, rulebase: RuleBase
) -> None:
    text = "\n".join(_sentence(policy, key) for key in keys)
    failures = _failures(text, rule, rulebase)
    assert bool(failures) is fires, f"{rule} on {policy}: {text}\n{[f.quote for f in failures]}"


def test_rights_finding_names_each_missing_right(rulebase: RuleBase) -> None:
    text = _sentence("导数日.txt", "你可以通过本指引所列途径访问、更正、删除你的个人信息")
    (finding,) = _failures(text, "POL-RIGHTS", rulebase)
    assert "复制" in finding.why and "撤回同意" not in finding.why and "注销" not in finding.why
    (both,) = _failures(_sentence("中国移动.txt", "可能不会响应您提出的更正"), "POL-RIGHTS", rulebase)
    assert "复制" in both.why and "撤回同意" in both.why  # a refusal list offers no right


def test_the_issue_s_held_out_wording(rulebase: RuleBase) -> None:
    """Sentences quoted in issue #13 from held-out lending policies."""
    sharing = "我们会将您的信息提供给资金方、征信机构及风控服务商。您在注册时勾选同意本政策，即表示您同意上述提供。"
    assert _failures(sharing, "POL-THIRDPARTY-CONSENT", rulebase)
    assert _failures(sharing, "POL-THIRDPARTY-VAGUE", rulebase)
    change = "我们有权随时单方面修改本政策，经修订的条款一经通知，立即自动生效，如您继续使用服务即被视为您已接受。"
    assert _failures(change, "POL-UNILATERAL-CHANGE", rulebase)
    assert not _failures("我们不会向境外提供您的个人信息。", "POL-CROSS-BORDER", rulebase)


def _viodroid(label: str, must: tuple[str, ...] = ()) -> list[str]:
    with VIODROID.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return [r[0] for r in rows if label in r[-1].split("#") and (not must or any(w in r[0] for w in must))]


# VioDroid-Finder sentences labelled with a compliance rule, each audited as a policy of its own:
# the share of them that meets the matching POL-* criterion (measured, less a margin).
VIODROID_CASES = [
    ("CR17", ("安全事件", "泄露", "泄漏"), "POL-BREACH-NOTICE", False, 0.82),
    ("CR14", (), "POL-RETENTION", False, 0.90),
    ("CR4", (), "POL-COMPLAINT", False, 0.89),
    ("CR5", (), "POL-MINORS", False, 0.97),
    ("CR24", (), "POL-CROSS-BORDER", False, 0.93),
]


@pytest.mark.parametrize(("label", "must", "rule", "fires", "least"), VIODROID_CASES)
def test_viodroid_sentences(
    label: str, must: tuple[str, ...], rule: str, fires: bool, least: float, rulebase: RuleBase
) -> None:
    sentences = _viodroid(label, must)
    assert len(sentences) >= 30, f"{label}: only {len(sentences)} sentences"
    agree = [s for s in sentences if bool(_failures(s, rule, rulebase)) is fires]
    assert len(agree) / len(sentences) >= least, [s for s in sentences if s not in agree][:10]
