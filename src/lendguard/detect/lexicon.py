"""Word lists the entity specs are built from: surnames and province-level names."""

from __future__ import annotations

# Single-character surnames (the common ones first, then rarer ones still seen in lending records)
# and the usual compound surnames; compound ones come first so the alternation prefers them.
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
)
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    "萧傅阎赖洪官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
SURNAMES = "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "]"

PROVINCE_NAMES = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)
PROVINCES = "|".join(sorted(PROVINCE_NAMES, key=len, reverse=True))

# Words after which a Chinese name follows in lending records, logs and collection notes.
PERSON_CUE_WORDS = (
    "紧急联系人",
    "联系人",
    "借款人",
    "持卡人",
    "收款人",
    "担保人",
    "客户",
    "姓名",
    "户名",
    "本人",
    "配偶",
    "父亲",
    "母亲",
    "name",
    "Name",
    "NAME",
)
PERSON_CUES = "|".join(sorted(PERSON_CUE_WORDS, key=len, reverse=True))

# Words that, right after a name-shaped string, make it an organisation, brand or product rather than a
# person (高德地图, 曹操出行, 金山办公, 洪恩教育, 苏帕用户中心): the prose step drops a candidate that is
# followed by one anywhere in the text it scans.
ORGANISATION_WORDS = (
    "地图",
    "出行",
    "办公",
    "软件",
    "科技",
    "网络",
    "公司",
    "集团",
    "银行",
    "金融",
    "支付",
    "平台",
    "用户",
    "产品",
    "应用",
    "儿童",
    "教育",
    "定位",
    "小贷",
    "保险",
    "证券",
    "浏览器",
    "输入法",
    "音乐",
    "视频",
    "钱包",
    "商城",
    "官网",
    "云",
    "SDK",
    "App",
    "APP",
)

# Characters that, in the MSRA NER training split, are at least a tenth of the time (and at least ten
# times) part of a person's name that does not start with a Chinese surname: the characters
# transliterations are written in (塞迪略, 基辛格). Two of them in a row mark a sentence as one that
# can hold a foreign name. Derived by `tools.corpora.foreign_name_characters()` (a test checks it).
FOREIGN_NAME_CHARS = (
    "井亨伊伦伯佐佛佩俊克兹冈凤凯勒卡吉哲嘉埃塔塞夫奇奥姆尔尼布帕库延弗德恩扎托拉斯旺曼朗杰松林桥棠森沃洛淘溥潘"
    "猜玛琼瓦纳维翁翰耶胡舍芬茨莫莱萨蒂藤蚩诺贝贞赖赫迈迪逊郎雅雷霞顿默"
)

# Titles and forms of address after which a surname alone names a person (江主席, 王先生, 李老师): the
# words that follow one-character names most often in the MSRA NER training split, and their kin.
TITLE_WORDS = (
    "先生",
    "女士",
    "小姐",
    "主席",
    "总书记",
    "书记",
    "总理",
    "总统",
    "部长",
    "省长",
    "市长",
    "县长",
    "局长",
    "处长",
    "科长",
    "主任",
    "经理",
    "老板",
    "老师",
    "教授",
    "医生",
    "大夫",
    "律师",
    "师傅",
    "队长",
    "同志",
    "大娘",
    "大妈",
    "大姐",
    "大爷",
    "奶奶",
)

# Words that, right after a name-shaped string, make it a place (扎伊尔首都, 马拉维北部): in the MSRA NER
# training split they follow places hundreds of times and a person's name never (政府 and 总统 follow
# both, so they are not here). The prose step drops a candidate followed by one on its line.
PLACE_WORDS = ("首都", "境内", "全境", "国内", "各地", "北部", "南部", "东部", "西部", "中部", "人民", "当局", "国家")
