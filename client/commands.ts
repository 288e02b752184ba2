// Not built yet: see the open issues.
const notYet = async (_o: Record<string, string>): Promise<never> => {
  throw new Error('not implemented yet');
};
export const startCommand = notYet;
export const otpCommand = notYet;
export const resendOtpCommand = notYet;
export const biometricCommand = notYet;
export const statusCommand = notYet;
export const cancelCommand = notYet;
