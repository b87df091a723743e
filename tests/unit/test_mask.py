from lendguard.detect import mask_text


def test_long_numbers_are_masked_next_to_chinese_text() -> None:
    assert mask_text("借款人手机13812345678已逾期") == "借款人手机138****5678已逾期"
    assert mask_text("身份证11010519491231002X") == "身份证110***********002X"


def test_emails_keep_only_the_first_character() -> None:
    assert mask_text("联系 zhangsan@example.cn") == "联系 z***@example.cn"


def test_short_numbers_and_code_members_are_left_alone() -> None:
    text = "Landroid/telephony/TelephonyManager;->getDeviceId targetSdk=30 v1.2.0"
    assert mask_text(text) == text
