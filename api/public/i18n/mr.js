// मराठी (partial): only these keys are translated so far; every other key falls back to Hindi, then English
// (index.js). Adding a language is adding a file like this one and a line in index.js.
export default {
  'language.name': 'मराठी',
  'language.label': 'भाषा',
  'app.title': 'एजंट eKYC',
  'steps.label': 'प्रगती',
  'steps.start': 'माहिती',
  'steps.result': 'पूर्ण',
  'start.title': 'तुमची माहिती',
  'start.lead': 'आम्ही तुमच्या नोंदणीकृत मोबाइलवर OTP पाठवू, नंतर तुमचा फिंगरप्रिंट घेऊ.',
  'field.userCode': 'एजंट यूजर कोड',
  'field.customerId': 'नोंदणीकृत मोबाइल नंबर',
  'field.aadhaar': 'आधार नंबर',
  'start.submit': 'OTP पाठवा',
  'otp.title': 'OTP टाका',
  'otp.submit': 'OTP तपासा',
  'result.COMPLETED.title': 'eKYC पूर्ण झाले',
  restart: 'पुन्हा सुरू करा',
  'daily.title': 'आजचे Daily KYC करा',
  'agent.AUTHENTICATED.title': 'आजचे Daily KYC झाले',
};
