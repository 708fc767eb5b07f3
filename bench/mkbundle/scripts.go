package main

import (
	"time"

	"github.com/vnict/kiosk/content"
)

// scriptItems is the loop of a support point whose residents read six
// languages in five scripts: Vietnamese, Hmong and English in Latin letters
// (Vietnamese with its stacked diacritics), Khmer, Lao and Chinese. Each
// text item has every language, so each font of the chain is drawn in both
// weights (titles are bold), and the ticker carries all six at once.
func scriptItems() ([]content.Item, []content.Message) {
	t := func(title, body string) content.Text { return content.Text{Title: title, Body: body} }
	items := []content.Item{
		{ID: "welcome", Layout: content.LayoutSideBySide, Text: map[string]content.Text{
			"vi":  t("Chào mừng bà con đến điểm hỗ trợ", "Cán bộ xã hướng dẫn bà con sử dụng dịch vụ công trực tuyến"),
			"km":  t("សូមស្វាគមន៍​មក​កាន់​ចំណុច​ជំនួយ", "មន្ត្រី​ឃុំ​ណែនាំ​អំពី​សេវាសាធារណៈ​តាម​អ៊ីនធឺណិត"),
			"lo":  t("ຍິນດີຕ້ອນຮັບ​ສູ່​ຈຸດ​ຊ່ວຍເຫຼືອ", "ພະນັກງານ​ຕາແສງ​ແນະນຳ​ການ​ບໍລິການ​ສາທາລະນະ​ອອນລາຍ"),
			"zh":  t("欢迎来到乡信息技术支持点", "乡干部指导居民使用在线公共服务"),
			"hmn": t("Zoo siab txais tos koj tuaj rau qhov chaw pab", "Cov neeg ua haujlwm hauv zej zos qhia koj siv cov kev pab hauv online"),
			"en":  t("Welcome to the commune support point", "Commune officers help residents use online public services"),
		}},
		{ID: "documents", Text: map[string]content.Text{
			"vi":  t("Giấy tờ cần mang theo", "Căn cước công dân, sổ hộ khẩu hoặc giấy xác nhận cư trú, và số điện thoại đang dùng để nhận mã xác thực."),
			"km":  t("ឯកសារ​ដែល​ត្រូវ​យក​មក", "អត្តសញ្ញាណប័ណ្ណ សៀវភៅ​គ្រួសារ និង​លេខ​ទូរស័ព្ទ​ដែល​កំពុង​ប្រើ​ដើម្បី​ទទួល​លេខកូដ។"),
			"lo":  t("ເອກະສານ​ທີ່​ຕ້ອງ​ນຳ​ມາ", "ບັດ​ປະຈຳ​ຕົວ, ປຶ້ມ​ສຳມະໂນ​ຄົວ ແລະ ເບີ​ໂທລະສັບ​ທີ່​ໃຊ້​ຢູ່​ເພື່ອ​ຮັບ​ລະຫັດ."),
			"zh":  t("请携带以下证件", "公民身份证、户口簿或居住证明，以及用于接收验证码的手机号码。"),
			"hmn": t("Cov ntaub ntawv yuav tsum nqa tuaj", "Daim npav pej xeem, phau ntawv tsev neeg, thiab tus xov tooj koj siv kom txais tau tus lej lees paub."),
			"en":  t("Please bring these papers", "Your citizen identity card, household book or proof of residence, and the phone number you use, to receive a code."),
		}},
		{ID: "services", Text: map[string]content.Text{
			"vi":  t("Dịch vụ công trực tuyến toàn trình", "Đăng ký khai sinh, cấp lại giấy tờ, xác nhận tình trạng hôn nhân, đăng ký thường trú: nộp hồ sơ và nhận kết quả ngay tại xã."),
			"km":  t("សេវាសាធារណៈ​តាម​អ៊ីនធឺណិត", "ការ​ចុះ​សំបុត្រ​កំណើត ការ​ស្នើ​ឯកសារ​ឡើងវិញ និង​ការ​ចុះ​ឈ្មោះ​ស្នាក់នៅ៖ ដាក់​ពាក្យ​និង​ទទួល​លទ្ធផល​នៅ​ឃុំ។"),
			"lo":  t("ການ​ບໍລິການ​ສາທາລະນະ​ອອນລາຍ", "ການ​ແຈ້ງ​ເກີດ, ການ​ອອກ​ເອກະສານ​ຄືນ​ໃໝ່ ແລະ ການ​ແຈ້ງ​ທີ່​ຢູ່: ຍື່ນ​ຄຳ​ຮ້ອງ ແລະ ຮັບ​ຜົນ​ຢູ່​ຕາແສງ."),
			"zh":  t("全流程在线公共服务", "出生登记、补办证件、婚姻状况证明、常住户口登记：在乡里即可提交材料并领取结果。"),
			"hmn": t("Kev pab pej xeem hauv online", "Sau npe yug me nyuam, thov daim ntawv dua tshiab, sau npe chaw nyob: xa ntaub ntawv thiab txais tau kev teb ntawm lub zej zos."),
			"en":  t("Online public services, start to finish", "Birth registration, replacement papers, marital status certificates and permanent residence: apply and collect the result at the commune."),
		}},
		{ID: "hours", Layout: content.LayoutSideBySide, Text: map[string]content.Text{
			"vi":  t("Giờ làm việc", "Thứ Hai đến Thứ Sáu, 7 giờ 30 đến 11 giờ 30 và 13 giờ 30 đến 17 giờ"),
			"km":  t("ម៉ោង​ធ្វើការ", "ថ្ងៃ​ច័ន្ទ​ដល់​ថ្ងៃ​សុក្រ ម៉ោង ៧:៣០ ដល់ ១១:៣០ និង ១៣:៣០ ដល់ ១៧:០០"),
			"lo":  t("ເວລາ​ເຮັດ​ວຽກ", "ວັນ​ຈັນ​ຫາ​ວັນ​ສຸກ, 7:30 ຫາ 11:30 ແລະ 13:30 ຫາ 17:00"),
			"zh":  t("办公时间", "星期一至星期五，7:30至11:30，13:30至17:00"),
			"hmn": t("Sij hawm ua haujlwm", "Hnub Ib txog Hnub Tsib, 7:30 txog 11:30 thiab 13:30 txog 17:00"),
			"en":  t("Opening hours", "Monday to Friday, 7:30 to 11:30 and 13:30 to 17:00"),
		}},
	}
	for i := range items {
		items[i].Kind = content.KindText
		items[i].Duration = content.Duration(6 * time.Second)
	}
	ticker := []content.Message{
		{"vi": "Điểm hỗ trợ mở cửa từ Thứ Hai đến Thứ Sáu", "km": "ចំណុច​ជំនួយ​បើក​ពី​ថ្ងៃ​ច័ន្ទ​ដល់​ថ្ងៃ​សុក្រ",
			"lo": "ຈຸດ​ຊ່ວຍເຫຼືອ​ເປີດ​ວັນ​ຈັນ​ຫາ​ວັນ​ສຸກ", "zh": "支持点周一至周五开放",
			"hmn": "Qhov chaw pab qhib Hnub Ib txog Hnub Tsib", "en": "The support point is open Monday to Friday"},
		{"vi": "Không mất phí khi nộp hồ sơ trực tuyến tại xã", "km": "មិន​គិត​ថ្លៃ​ទេ​ពេល​ដាក់​ពាក្យ​តាម​អ៊ីនធឺណិត",
			"lo": "ບໍ່​ເສຍ​ຄ່າ​ເມື່ອ​ຍື່ນ​ຄຳ​ຮ້ອງ​ອອນລາຍ", "zh": "在乡里在线提交材料免费",
			"hmn": "Tsis them nyiaj thaum xa ntaub ntawv hauv online", "en": "Applying online at the commune is free of charge"},
	}
	return items, ticker
}
